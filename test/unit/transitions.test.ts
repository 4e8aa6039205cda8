import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Actor } from '../../src/domain/actions.js';
import { STAGES, type HandoffState, type Stage } from '../../src/domain/state.js';
import * as guards from '../../src/domain/transitions.js';
import { ACTORS, ASSIGNED_AT, makeState } from './fixtures.js';

/** A guard's reason for people (its code is checked below). */
const reasonOf =
  <A extends unknown[]>(guard: (...args: A) => guards.Refusal | null) =>
  (...args: A): string | null =>
    guard(...args)?.reason ?? null;
const refuseAccept = reasonOf(guards.refuseAccept);
const refuseChecklistUpdate = reasonOf(guards.refuseChecklistUpdate);
const refuseMarkContacted = reasonOf(guards.refuseMarkContacted);
const refuseReject = reasonOf(guards.refuseReject);
const refuseReportOutcome = reasonOf(guards.refuseReportOutcome);
const refuseSubmitFeedback = reasonOf(guards.refuseSubmitFeedback);
const refuseWithdraw = reasonOf(guards.refuseWithdraw);

const ASSIGNED = Date.parse(ASSIGNED_AT);
const NOW = ASSIGNED + 2 * 3_600_000;

type Guard = (state: HandoffState, actor: Actor) => string | null;

/** Each guard, the stages it allows, and who may act (with the default actor of those stages). */
const GUARDS: { name: string; guard: Guard; allowed: Stage[]; side: 'sdr' | 'ae' }[] = [
  { name: 'refuseChecklistUpdate', guard: refuseChecklistUpdate, allowed: ['awaiting_checklist'], side: 'sdr' },
  { name: 'refuseWithdraw', guard: refuseWithdraw, allowed: ['awaiting_checklist', 'awaiting_assignment'], side: 'sdr' },
  { name: 'refuseAccept', guard: refuseAccept, allowed: ['assigned'], side: 'ae' },
  { name: 'refuseReject', guard: refuseReject, allowed: ['assigned', 'accepted'], side: 'ae' },
  {
    name: 'refuseMarkContacted',
    guard: (state, actor) => refuseMarkContacted(state, actor, NOW - 60_000, NOW),
    allowed: ['assigned', 'accepted'],
    side: 'ae',
  },
  { name: 'refuseReportOutcome', guard: refuseReportOutcome, allowed: ['contacted'], side: 'ae' },
  { name: 'refuseSubmitFeedback', guard: refuseSubmitFeedback, allowed: ['contacted'], side: 'ae' },
];

describe('transition guards by stage', () => {
  for (const { name, guard, allowed, side } of GUARDS) {
    describe(name, () => {
      const actor = side === 'sdr' ? ACTORS.sdr : ACTORS.ae;
      for (const stage of STAGES) {
        if (allowed.includes(stage)) {
          it(`allows the ${side === 'sdr' ? 'owning SDR' : 'assigned AE'} in ${stage}`, () => {
            assert.equal(guard(makeState(stage), actor), null);
          });
          it(`allows a manager, ops and admin in ${stage}`, () => {
            for (const other of [ACTORS.manager, ACTORS.ops, ACTORS.admin]) assert.equal(guard(makeState(stage), other), null, other.role);
          });
        } else {
          it(`refuses in ${stage}, with a reason`, () => {
            for (const who of [actor, ACTORS.manager, ACTORS.ops]) {
              const reason = guard(makeState(stage), who);
              assert.equal(typeof reason, 'string', `${who.role} in ${stage}`);
              assert.ok(reason!.length > 10, reason!);
            }
          });
        }
      }
      it('refuses in closed, naming the outcome', () => {
        const reason = guard(makeState('closed', { outcome: 'withdrawn' }), ACTORS.manager);
        assert.match(reason ?? '', /withdrawn|already/);
      });
    });
  }
});

describe('refusal reasons', () => {
  it('closed: "the hand-off is closed (<outcome>); it can no longer be <action>"', () => {
    const closed = makeState('closed', { outcome: 'expired' });
    assert.equal(refuseChecklistUpdate(closed, ACTORS.sdr), 'the hand-off is closed (expired); it can no longer be edited');
    assert.equal(refuseWithdraw(closed, ACTORS.sdr), 'the hand-off is closed (expired); it can no longer be withdrawn');
    assert.equal(refuseAccept(closed, ACTORS.ae), 'the hand-off is closed (expired); it can no longer be accepted');
    assert.equal(refuseReject(closed, ACTORS.ae), 'the hand-off is closed (expired); it can no longer be rejected');
    assert.equal(
      refuseMarkContacted(closed, ACTORS.ae, NOW, NOW),
      'the hand-off is closed (expired); it can no longer be marked contacted',
    );
    assert.equal(refuseReportOutcome(closed, ACTORS.ae), 'the hand-off is closed (expired); it can no longer be given an outcome');
    assert.equal(refuseSubmitFeedback(closed, ACTORS.ae), 'the hand-off is closed (expired); it can no longer be rated');
  });

  it('checklist edits after the checklist is complete: the AE owns the data', () => {
    for (const stage of ['awaiting_assignment', 'assigned', 'accepted', 'contacted'] as const) {
      assert.equal(
        refuseChecklistUpdate(makeState(stage), ACTORS.sdr),
        `the checklist is complete and the hand-off is ${stage}: the AE owns the qualification data now`,
      );
    }
  });

  it('withdraw once assigned: the SDR can no longer withdraw', () => {
    for (const stage of ['assigned', 'accepted', 'contacted'] as const) {
      assert.equal(
        refuseWithdraw(makeState(stage), ACTORS.sdr),
        `the hand-off is ${stage}: once assigned the AE owns the lead and the SDR can no longer withdraw it`,
      );
    }
  });

  it('accept: already accepted, or not yet assigned', () => {
    assert.equal(refuseAccept(makeState('accepted'), ACTORS.ae), 'the hand-off is already accepted');
    assert.equal(
      refuseAccept(makeState('awaiting_assignment'), ACTORS.manager),
      'a hand-off in stage awaiting_assignment cannot be accepted (allowed in: assigned)',
    );
    assert.equal(
      refuseAccept(makeState('contacted'), ACTORS.ae),
      'a hand-off in stage contacted cannot be accepted (allowed in: assigned)',
    );
  });

  it('reject: not before assignment, not after contact', () => {
    assert.equal(
      refuseReject(makeState('awaiting_checklist'), ACTORS.manager),
      'a hand-off in stage awaiting_checklist cannot be rejected (allowed in: assigned, accepted)',
    );
    assert.equal(
      refuseReject(makeState('contacted'), ACTORS.ae),
      'a hand-off in stage contacted cannot be rejected (allowed in: assigned, accepted)',
    );
  });

  it('mark contacted: already recorded', () => {
    assert.equal(refuseMarkContacted(makeState('contacted'), ACTORS.ae, NOW, NOW), 'first contact is already recorded');
  });

  it('outcome and feedback before contact: record the first contact first', () => {
    for (const stage of ['assigned', 'accepted'] as const) {
      assert.equal(refuseReportOutcome(makeState(stage), ACTORS.ae), 'record the first contact before reporting an outcome');
      assert.equal(refuseSubmitFeedback(makeState(stage), ACTORS.ae), 'record the first contact before rating the hand-off');
    }
    assert.equal(
      refuseReportOutcome(makeState('awaiting_assignment'), ACTORS.manager),
      'a hand-off in stage awaiting_assignment cannot be given an outcome (allowed in: contacted)',
    );
  });

  it('outcome and feedback are given once', () => {
    const reported = makeState('contacted', { outcomeReport: { outcome: 'no_show', by: 'ae-kim', at: ASSIGNED_AT } });
    assert.equal(refuseReportOutcome(reported, ACTORS.ae), 'the outcome is already reported (no_show)');
    assert.equal(refuseSubmitFeedback(reported, ACTORS.ae), null, 'feedback may follow the outcome');
    const rated = makeState('contacted', { feedback: { rating: 4, qualityIssues: [], by: 'ae-kim', at: ASSIGNED_AT } });
    assert.equal(refuseSubmitFeedback(rated, ACTORS.ae), 'feedback is already submitted');
    assert.equal(refuseReportOutcome(rated, ACTORS.ae), null, 'the outcome may follow feedback');
  });
});

describe('ownership', () => {
  describe('AE actions need the assigned AE (or a manager / ops / admin)', () => {
    const cases: [string, (s: HandoffState, a: Actor) => string | null, Stage][] = [
      ['accept', refuseAccept, 'assigned'],
      ['reject', refuseReject, 'accepted'],
      ['mark contacted', (s, a) => refuseMarkContacted(s, a, NOW, NOW), 'accepted'],
      ['report outcome', refuseReportOutcome, 'contacted'],
      ['submit feedback', refuseSubmitFeedback, 'contacted'],
    ];
    for (const [action, guard, stage] of cases) {
      it(`${action}: another AE is refused, naming both`, () => {
        assert.equal(guard(makeState(stage), ACTORS.otherAe), 'the hand-off is assigned to ae-kim, not ae-lee');
      });
      it(`${action}: the SDR is refused`, () => {
        assert.equal(guard(makeState(stage), ACTORS.sdr), 'only the assigned AE (or a manager) can do this');
      });
      it(`${action}: an AE when nobody is assigned`, () => {
        assert.equal(guard(makeState(stage, { assignedAe: undefined }), ACTORS.ae), 'the hand-off is assigned to nobody, not ae-kim');
      });
    }

    it('after a reassignment the previous AE is refused and the new one allowed', () => {
      const state = makeState('assigned', { assignedAe: 'ae-lee', previousAes: ['ae-kim'] });
      assert.equal(refuseAccept(state, ACTORS.ae), 'the hand-off is assigned to ae-lee, not ae-kim');
      assert.equal(refuseAccept(state, ACTORS.otherAe), null);
    });
  });

  describe('SDR actions need the owning SDR (or a manager / ops / admin)', () => {
    const cases: [string, (s: HandoffState, a: Actor) => string | null, Stage][] = [
      ['checklist update', refuseChecklistUpdate, 'awaiting_checklist'],
      ['withdraw (draft)', refuseWithdraw, 'awaiting_checklist'],
      ['withdraw (awaiting assignment)', refuseWithdraw, 'awaiting_assignment'],
    ];
    for (const [action, guard, stage] of cases) {
      it(`${action}: another SDR is refused, naming both`, () => {
        assert.equal(guard(makeState(stage), ACTORS.otherSdr), 'the hand-off belongs to sdr-sam, not sdr-other');
      });
      it(`${action}: an AE is refused`, () => {
        assert.equal(guard(makeState(stage), ACTORS.ae), 'only the owning SDR (or a manager) can do this');
      });
      it(`${action}: the owner is allowed`, () => {
        assert.equal(guard(makeState(stage), ACTORS.sdr), null);
      });
    }
  });
});

describe('refuseMarkContacted times', () => {
  const state = makeState('accepted');
  const MIN = 60_000;

  it('now is fine', () => {
    assert.equal(refuseMarkContacted(state, ACTORS.ae, NOW, NOW), null);
  });

  it('up to 5 minutes in the future is tolerated (clock skew)', () => {
    assert.equal(refuseMarkContacted(state, ACTORS.ae, NOW + 5 * MIN, NOW), null);
  });

  it('more than 5 minutes in the future is refused', () => {
    const at = NOW + 5 * MIN + 1;
    assert.equal(refuseMarkContacted(state, ACTORS.ae, at, NOW), `at ${new Date(at).toISOString()} is in the future`);
    assert.equal(
      refuseMarkContacted(state, ACTORS.ae, NOW + 86_400_000, NOW),
      `at ${new Date(NOW + 86_400_000).toISOString()} is in the future`,
    );
  });

  it('exactly at assignment is fine', () => {
    assert.equal(refuseMarkContacted(state, ACTORS.ae, ASSIGNED, NOW), null);
  });

  it('before the assignment is refused, naming both instants', () => {
    assert.equal(
      refuseMarkContacted(state, ACTORS.ae, ASSIGNED - 1, NOW),
      `at ${new Date(ASSIGNED - 1).toISOString()} is before the hand-off was assigned (${ASSIGNED_AT})`,
    );
    assert.match(refuseMarkContacted(state, ACTORS.ae, ASSIGNED - 86_400_000, NOW) ?? '', /before the hand-off was assigned/);
  });

  it('the stage and AE checks come before the time checks', () => {
    assert.equal(refuseMarkContacted(state, ACTORS.otherAe, NOW + 86_400_000, NOW), 'the hand-off is assigned to ae-kim, not ae-lee');
    assert.equal(
      refuseMarkContacted(makeState('awaiting_assignment'), ACTORS.manager, ASSIGNED - 1, NOW),
      'a hand-off in stage awaiting_assignment cannot be marked contacted (allowed in: assigned, accepted)',
    );
  });

  it('works in assigned too (contact without a formal accept)', () => {
    assert.equal(refuseMarkContacted(makeState('assigned'), ACTORS.ae, NOW, NOW), null);
  });
});

describe('refusal codes (what the API maps to a problem type)', () => {
  it('whose it is comes before the stage: an AE on a hand-off nobody holds is `not_yours`, a closed one of theirs `closed`', () => {
    assert.equal(guards.refuseAccept(makeState('awaiting_assignment'), ACTORS.ae)?.code, 'not_yours');
    assert.equal(guards.refuseReject(makeState('closed', { assignedAe: 'ae-lee' }), ACTORS.ae)?.code, 'not_yours');
    assert.equal(guards.refuseWithdraw(makeState('assigned'), ACTORS.otherSdr)?.code, 'not_yours');
    assert.equal(guards.refuseReject(makeState('closed'), ACTORS.ae)?.code, 'closed');
  });

  it('a closed hand-off is `closed`, a wrong stage `wrong_stage`, a repeat `already_done`', () => {
    assert.equal(guards.refuseAccept(makeState('closed', { outcome: 'expired' }), ACTORS.ae)?.code, 'closed');
    assert.equal(guards.refuseAccept(makeState('awaiting_assignment'), ACTORS.manager)?.code, 'wrong_stage');
    assert.equal(guards.refuseAccept(makeState('accepted'), ACTORS.ae)?.code, 'already_done');
    assert.equal(guards.refuseChecklistUpdate(makeState('assigned'), ACTORS.sdr)?.code, 'wrong_stage');
  });

  it('someone else’s hand-off is `not_yours`, the wrong side `wrong_role`, a bad instant `bad_time`', () => {
    assert.equal(guards.refuseAccept(makeState('assigned'), ACTORS.otherAe)?.code, 'not_yours');
    assert.equal(guards.refuseAccept(makeState('assigned'), ACTORS.sdr)?.code, 'wrong_role');
    assert.equal(guards.refuseWithdraw(makeState('awaiting_checklist'), ACTORS.otherSdr)?.code, 'not_yours');
    assert.equal(guards.refuseMarkContacted(makeState('accepted'), ACTORS.ae, NOW + 86_400_000, NOW)?.code, 'bad_time');
  });

  it('interventions: SDRs and AEs may not (`wrong_role`); naming the AE who holds it is `target_unavailable`', () => {
    assert.equal(guards.refuseIntervention(makeState('assigned'), ACTORS.ae, 'returnToSdr', { reason: 'x' })?.code, 'wrong_role');
    assert.equal(
      guards.refuseIntervention(makeState('assigned'), ACTORS.manager, 'reassign', { to: 'ae-kim' })?.code,
      'target_unavailable',
    );
    assert.equal(guards.refuseIntervention(makeState('contacted'), ACTORS.manager, 'escalate', { reason: 'x' })?.code, 'wrong_stage');
  });
});
