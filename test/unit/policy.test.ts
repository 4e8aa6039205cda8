import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { PolicyFileCache, readPolicyFile } from '../../src/policy/file.js';
import { parsePolicy, PolicyError, type Policy } from '../../src/domain/policy.js';
import { DEFAULT_POLICY_FILE, loadDefaultPolicy, minimalPolicyDocument, MS } from './fixtures.js';

let shipped: Policy;
let dir: string;
before(async () => {
  shipped = await loadDefaultPolicy();
  dir = await mkdtemp(path.join(os.tmpdir(), 'baton-policy-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The issues of an invalid document (fails the test when the document is valid). */
function issuesOf(document: unknown): { path: string; message: string }[] {
  try {
    parsePolicy(document, 'test.yaml');
  } catch (err) {
    assert.ok(err instanceof PolicyError, `expected a PolicyError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('the document was accepted');
}

/** The minimal document with a deep edit applied. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke arbitrary paths into the document
function docWith(edit: (doc: any) => void): unknown {
  const doc = structuredClone(minimalPolicyDocument());
  edit(doc);
  return doc;
}

const RULE = { id: 'x', category: 'fit', description: 'x', points: 5, when: { op: 'present', field: 'urgency.triggerEvent' } };
const withRule = (rule: object) => docWith((d) => (d.scoring.rules = [rule]));

describe('the shipped policy/default.yaml', () => {
  it('has the DESIGN §2.4a version', () => {
    assert.equal(shipped.version, '2026-11-21.1');
  });

  it('has the default ICP: 50 employees minimum, no maximum, every industry and region', () => {
    assert.deepEqual(shipped.icp, { minEmployees: 50, maxEmployees: null, industries: [], regions: [] });
  });

  it('has threshold 50 and caps 30/30/40', () => {
    assert.equal(shipped.scoring.threshold, 50);
    assert.deepEqual(shipped.scoring.caps, { fit: 30, engagement: 30, intent: 40 });
  });

  it('has the DESIGN §2.3 target lists', () => {
    const when = (id: string) => shipped.scoring.rules.find((r) => r.id === id)!.when;
    assert.deepEqual(when('fit.industry'), {
      op: 'in',
      field: 'company.industry',
      values: ['software', 'logistics', 'fintech', 'healthcare', 'manufacturing', 'retail'],
    });
    assert.deepEqual(when('fit.region'), { op: 'in', field: 'company.region', values: ['US', 'CA', 'GB', 'IE', 'DE', 'FR', 'NL', 'AU'] });
    assert.deepEqual(when('fit.tech-stack'), {
      op: 'intersects',
      field: 'company.techStack',
      values: ['salesforce', 'hubspot', 'zendesk', 'intercom'],
    });
    assert.deepEqual(when('fit.size.core'), { op: 'between', field: 'company.employees', min: 200, max: 5000 });
    assert.deepEqual(when('fit.size.small'), { op: 'between', field: 'company.employees', min: 50, max: 199 });
    assert.deepEqual(when('engagement.response-rate'), {
      op: 'ratioAtLeast',
      numerator: 'engagement.replies',
      denominator: 'engagement.touchpoints',
      min: 0.2,
    });
    assert.deepEqual(when('engagement.touchpoints'), { op: 'between', field: 'engagement.touchpoints', min: 5 });
    assert.deepEqual(when('intent.third-party-signal'), { op: 'count', field: 'engagement.intentSignals', min: 1 });
    assert.equal(shipped.scoring.rules.find((r) => r.id === 'intent.third-party-signal')!.pointsEach, 15);
  });

  it('has tier bands hot 80 / warm 65 / cool 50', () => {
    assert.deepEqual([shipped.tiers.hot.minScore, shipped.tiers.warm.minScore, shipped.tiers.cool.minScore], [80, 65, 50]);
  });

  it('has hand-off windows 4h / 24h / 72h in ms', () => {
    assert.equal(shipped.tiers.hot.handoffWindow, 4 * MS.hour);
    assert.equal(shipped.tiers.warm.handoffWindow, 24 * MS.hour);
    assert.equal(shipped.tiers.cool.handoffWindow, 72 * MS.hour);
  });

  it('has first-contact windows 24h / 48h / 7d in ms', () => {
    assert.equal(shipped.tiers.hot.contactWindow, 24 * MS.hour);
    assert.equal(shipped.tiers.warm.contactWindow, 48 * MS.hour);
    assert.equal(shipped.tiers.cool.contactWindow, 7 * MS.day);
  });

  it('has reminders at 50 % and 80 %, escalations 1/1/0, then return to the SDR (DESIGN §2.5)', () => {
    for (const tier of ['hot', 'warm', 'cool'] as const) {
      assert.deepEqual(shipped.tiers[tier].reminders, [0.5, 0.8], tier);
      assert.equal(shipped.tiers[tier].onExhausted, 'return_to_sdr', tier);
    }
    assert.deepEqual([shipped.tiers.hot.escalations, shipped.tiers.warm.escalations, shipped.tiers.cool.escalations], [1, 1, 0]);
  });

  it('has feedback window 14d with a reminder at 7d, routing retry 1h, draft expiry 3×, 3 booking days', () => {
    assert.deepEqual(shipped.feedback, { window: 14 * MS.day, reminder: 7 * MS.day });
    assert.deepEqual(shipped.routing, { retryEvery: MS.hour, ownerWindow: 90 * MS.day });
    assert.equal(shipped.draftExpiryFactor, 3);
    assert.deepEqual(shipped.bookingAttempts, { consecutiveDays: 3 });
  });

  it('counts calendar time in UTC, with a Mon–Fri 09:00–17:00 week ready for business hours', () => {
    const nineToFive = ['09:00-17:00'];
    assert.deepEqual(shipped.clock, {
      mode: 'calendar',
      timeZone: 'UTC',
      workingHours: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive, sat: [], sun: [] },
      holidays: [],
    });
  });

  it('loads through readPolicyFile relative to the repo root too', async () => {
    const relative = path.relative(process.cwd(), DEFAULT_POLICY_FILE);
    assert.deepEqual(await readPolicyFile(relative), shipped);
  });
});

describe('readPolicyFile', () => {
  it('loads a JSON policy identical to the YAML one', async () => {
    const document = parseYaml(await readFile(DEFAULT_POLICY_FILE, 'utf8'));
    const file = path.join(dir, 'policy.json');
    await writeFile(file, JSON.stringify(document, null, 2));
    assert.deepEqual(await readPolicyFile(file), shipped);
  });

  it('loads a JSON document from a .yaml file (YAML reads JSON)', async () => {
    const file = path.join(dir, 'json-in.yaml');
    await writeFile(file, JSON.stringify(minimalPolicyDocument()));
    const policy = await readPolicyFile(file);
    assert.equal(policy.version, 'test-1');
    assert.equal(policy.tiers.hot.handoffWindow, 4 * MS.hour);
  });

  it('refuses malformed JSON, naming the file and format', async () => {
    const file = path.join(dir, 'broken.json');
    await writeFile(file, '{ "version": "x", ');
    await assert.rejects(readPolicyFile(file), (err: Error) => {
      assert.match(err.message, /^policy .*broken\.json is not valid JSON: /);
      return true;
    });
  });

  it('refuses malformed YAML, naming the file and format', async () => {
    const file = path.join(dir, 'broken.yaml');
    await writeFile(file, 'version: "x"\ntiers: [unclosed\n');
    await assert.rejects(readPolicyFile(file), /broken\.yaml is not valid YAML/);
  });

  it('refuses an invalid JSON policy with a PolicyError naming the file and field', async () => {
    const file = path.join(dir, 'invalid.json');
    await writeFile(file, JSON.stringify(docWith((d) => (d.tiers.warm.contactWindow = '2 days'))));
    await assert.rejects(readPolicyFile(file), (err: unknown) => {
      assert.ok(err instanceof PolicyError);
      assert.equal(err.source, file);
      assert.deepEqual(
        err.issues.map((i) => i.path),
        ['tiers.warm.contactWindow'],
      );
      assert.ok(err.message.startsWith(`invalid policy ${file}: tiers.warm.contactWindow: not a duration: "2 days"`), err.message);
      return true;
    });
  });

  it('reports a missing file', async () => {
    await assert.rejects(readPolicyFile(path.join(dir, 'nope.yaml')), { code: 'ENOENT' });
  });
});

describe('parsePolicy defaults', () => {
  it('fills every default of a minimal document', () => {
    const p = parsePolicy(minimalPolicyDocument());
    assert.deepEqual(p.icp, { minEmployees: 50, maxEmployees: null, industries: [], regions: [] });
    assert.equal(p.scoring.threshold, 50);
    assert.deepEqual(p.scoring.caps, { fit: 30, engagement: 30, intent: 40 });
    assert.deepEqual(p.feedback, { window: 14 * MS.day, reminder: 7 * MS.day });
    assert.deepEqual(p.routing, { retryEvery: MS.hour, ownerWindow: 90 * MS.day });
    assert.equal(p.draftExpiryFactor, 3);
    assert.deepEqual(p.bookingAttempts, { consecutiveDays: 3 });
    for (const tier of ['hot', 'warm', 'cool'] as const) {
      assert.deepEqual(p.tiers[tier].reminders, [0.5, 0.8]);
      assert.equal(p.tiers[tier].escalations, 1);
      assert.equal(p.tiers[tier].onExhausted, 'return_to_sdr');
      assert.equal(p.tiers[tier].fastTrack, undefined);
    }
  });

  it('defaults a fast-track to requiring a trigger event, and a count to min 1', () => {
    const p = parsePolicy(
      docWith((d) => {
        d.tiers.hot.fastTrack = { minScore: 65, timelines: ['0-30d'] };
        d.scoring.rules = [{ ...RULE, points: 15, pointsEach: 5, when: { op: 'count', field: 'engagement.intentSignals' } }];
      }),
    );
    assert.equal(p.tiers.hot.fastTrack?.requireTriggerEvent, true);
    assert.deepEqual(p.scoring.rules[0]!.when, { op: 'count', field: 'engagement.intentSignals', min: 1 });
  });

  it('normalises ICP lists: industries lower case, regions upper case', () => {
    const p = parsePolicy(docWith((d) => (d.icp = { industries: ['SaaS', 'Retail'], regions: ['us', 'Gb'] })));
    assert.deepEqual(p.icp.industries, ['saas', 'retail']);
    assert.deepEqual(p.icp.regions, ['US', 'GB']);
  });

  it('accepts equal tier minimums (non-increasing is enough)', () => {
    const p = parsePolicy(docWith((d) => (d.tiers.hot.minScore = d.tiers.warm.minScore = d.tiers.cool.minScore = 60)));
    assert.equal(p.tiers.warm.minScore, 60);
  });
});

describe('parsePolicy clock', () => {
  it('defaults to calendar time in UTC when the document has no clock', () => {
    const p = parsePolicy(minimalPolicyDocument());
    assert.equal(p.clock.mode, 'calendar');
    assert.equal(p.clock.timeZone, 'UTC');
  });

  it('accepts a business-hours clock with a split day and holidays', () => {
    const p = parsePolicy(
      docWith((d) => {
        d.clock = {
          mode: 'business_hours',
          timeZone: 'Europe/Berlin',
          workingHours: { mon: ['08:00-12:00', '13:00-17:00'], fri: ['08:00-14:00'] },
          holidays: ['2026-12-24', '2026-12-25'],
        };
      }),
    );
    assert.deepEqual(p.clock.workingHours.mon, ['08:00-12:00', '13:00-17:00']);
    assert.deepEqual(p.clock.workingHours.tue, []);
    assert.deepEqual(p.clock.holidays, ['2026-12-24', '2026-12-25']);
  });

  const refusals: [string, object, string, RegExp][] = [
    ['an unknown time zone', { timeZone: 'America/Chicag' }, 'clock.timeZone', /IANA time zone.*"America\/Chicag"/],
    ['an interval ending before it starts', { workingHours: { mon: ['17:00-09:00'] } }, 'clock.workingHours.mon.0', /start before it ends/],
    ['a malformed interval', { workingHours: { thu: ['9am-5pm'] } }, 'clock.workingHours.thu.0', /HH:MM-HH:MM/],
    [
      'overlapping intervals',
      { workingHours: { fri: ['09:00-13:00', '12:00-17:00'] } },
      'clock.workingHours.fri.1',
      /overlaps "09:00-13:00"/,
    ],
    [
      'business hours with an empty week',
      { mode: 'business_hours', workingHours: { sat: [] } },
      'clock.workingHours',
      /at least one working interval/,
    ],
    ['an unknown mode', { mode: 'office_hours' }, 'clock.mode', /./],
    ['an unknown key', { zone: 'UTC' }, 'clock', /Unrecognized key: "zone"/],
    ['a holiday that is not a date', { holidays: ['25/12/2026'] }, 'clock.holidays.0', /YYYY-MM-DD/],
  ];
  for (const [name, clock, path, message] of refusals) {
    it(`refuses ${name}, naming ${path}`, () => {
      const issues = issuesOf(docWith((d) => (d.clock = clock)));
      assert.deepEqual(
        issues.map((i) => i.path),
        [path],
      );
      assert.match(issues[0]!.message, message);
    });
  }
});

describe('parsePolicy durations', () => {
  const windowOf = (value: unknown) => parsePolicy(docWith((d) => (d.tiers.hot.handoffWindow = value))).tiers.hot.handoffWindow;

  it('accepts ISO 8601 and shorthand alike', () => {
    assert.equal(windowOf('PT4H'), 4 * MS.hour);
    assert.equal(windowOf('4h'), 4 * MS.hour);
    assert.equal(windowOf('240m'), 4 * MS.hour);
    assert.equal(windowOf('P1DT12H'), 36 * MS.hour);
    assert.equal(windowOf('P2W'), 14 * MS.day);
    assert.equal(windowOf('90s'), 90 * MS.second);
    assert.equal(windowOf('7d'), 7 * MS.day);
  });

  it('accepts a positive integer as milliseconds', () => {
    assert.equal(windowOf(14_400_000), 4 * MS.hour);
  });

  for (const bad of ['P', 'PT', '4x', '', 'P1M', '0s', 'PT0S', 'four hours']) {
    it(`refuses ${JSON.stringify(bad)}, naming the field and the value`, () => {
      const issues = issuesOf(docWith((d) => (d.tiers.hot.handoffWindow = bad)));
      assert.equal(issues.length, 1);
      assert.equal(issues[0]!.path, 'tiers.hot.handoffWindow');
      assert.equal(issues[0]!.message, `not a duration: ${JSON.stringify(bad)} (use e.g. PT4H, P7D, 90s, 15m, 4h, 7d)`);
    });
  }

  for (const bad of [0, -5, 1.5]) {
    it(`refuses the number ${bad}`, () => {
      assert.deepEqual(
        issuesOf(docWith((d) => (d.tiers.cool.contactWindow = bad))).map((i) => i.path),
        ['tiers.cool.contactWindow'],
      );
    });
  }

  it('names nested duration fields outside the tiers', () => {
    assert.deepEqual(
      issuesOf(docWith((d) => (d.feedback = { window: '14d', reminder: '1 week' }))).map((i) => i.path),
      ['feedback.reminder'],
    );
    assert.deepEqual(
      issuesOf(docWith((d) => (d.routing = { retryEvery: 'hourly' }))).map((i) => i.path),
      ['routing.retryEvery'],
    );
    assert.deepEqual(
      issuesOf(docWith((d) => (d.routing = { retryEvery: '1h', ownerWindow: 'a quarter' }))).map((i) => i.path),
      ['routing.ownerWindow'],
    );
  });
});

describe('parsePolicy errors name the field', () => {
  it('an unknown top-level key', () => {
    const issues = issuesOf(docWith((d) => (d.tier = {})));
    assert.deepEqual(issues, [{ path: '', message: 'Unrecognized key: "tier"' }]);
  });

  it('an unknown key inside a tier', () => {
    const issues = issuesOf(docWith((d) => (d.tiers.warm.handoffWndow = '4h')));
    assert.deepEqual(issues, [{ path: 'tiers.warm', message: 'Unrecognized key: "handoffWndow"' }]);
  });

  it('an unknown property on a rule', () => {
    assert.deepEqual(issuesOf(withRule({ ...RULE, weight: 2 })), [{ path: 'scoring.rules.0', message: 'Unrecognized key: "weight"' }]);
  });

  it('an unknown lead field in a rule condition', () => {
    const issues = issuesOf(withRule({ ...RULE, when: { op: 'present', field: 'company.ceo' } }));
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.path, 'scoring.rules.0.when.field');
    assert.match(issues[0]!.message, /^unknown lead field; one of: contact\.authority, company\.employees, /);
  });

  it('an unknown lead field in a ratio', () => {
    const issues = issuesOf(
      withRule({ ...RULE, when: { op: 'ratioAtLeast', numerator: 'engagement.replies', denominator: 'engagement.emails', min: 0.2 } }),
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ['scoring.rules.0.when.denominator'],
    );
  });

  it('an inherited Object property name is not a lead field', () => {
    for (const field of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const issues = issuesOf(withRule({ ...RULE, when: { op: 'present', field } }));
      assert.deepEqual(
        issues.map((i) => i.path),
        ['scoring.rules.0.when.field'],
        field,
      );
    }
  });

  it('a condition whose operator does not fit the field kind', () => {
    const wrong = [
      { op: 'between', field: 'company.industry', min: 1 },
      { op: 'intersects', field: 'company.employees', values: ['x'] },
      { op: 'count', field: 'company.region' },
      { op: 'isTrue', field: 'engagement.replies' },
      { op: 'ratioAtLeast', numerator: 'company.industry', denominator: 'engagement.touchpoints', min: 0.1 },
    ];
    for (const when of wrong) {
      assert.ok(issuesOf(withRule({ ...RULE, when })).length > 0, JSON.stringify(when));
    }
  });

  it('an unknown condition operator', () => {
    const issues = issuesOf(withRule({ ...RULE, when: { op: 'greaterThan', field: 'company.employees' } }));
    assert.deepEqual(
      issues.map((i) => i.path),
      ['scoring.rules.0.when.op'],
    );
  });

  it('a duplicate rule id, at the second occurrence', () => {
    const issues = issuesOf(docWith((d) => (d.scoring.rules = [RULE, { ...RULE, id: 'y' }, { ...RULE, points: 3 }])));
    assert.deepEqual(issues, [{ path: 'scoring.rules.2.id', message: 'duplicate rule id x' }]);
  });

  it('an ICP band whose maximum is below its minimum', () => {
    assert.deepEqual(
      issuesOf(
        docWith((d) => {
          d.icp = { minEmployees: 500, maxEmployees: 100 };
        }),
      ),
      [{ path: 'icp.maxEmployees', message: 'must not be below minEmployees (500)' }],
    );
  });

  it('a feedback reminder at or after the end of the feedback window', () => {
    for (const reminder of ['14d', '15d']) {
      assert.deepEqual(
        issuesOf(
          docWith((d) => {
            d.feedback = { window: '14d', reminder };
          }),
        ).map((i) => i.path),
        ['feedback.reminder'],
        reminder,
      );
    }
  });

  it('tiers out of order', () => {
    assert.deepEqual(issuesOf(docWith((d) => (d.tiers.warm.minScore = 85))), [
      { path: 'tiers', message: 'minScore must not increase from hot to warm to cool' },
    ]);
    assert.deepEqual(
      issuesOf(docWith((d) => (d.tiers.cool.minScore = 70))).map((i) => i.path),
      ['tiers'],
    );
  });

  it('pointsEach without a count condition', () => {
    assert.deepEqual(issuesOf(withRule({ ...RULE, pointsEach: 5 })), [
      { path: 'scoring.rules.0.pointsEach', message: 'pointsEach needs a count condition' },
    ]);
  });

  it('an upper-case or spaced rule id', () => {
    assert.deepEqual(
      issuesOf(withRule({ ...RULE, id: 'Fit.Size' })).map((i) => i.path),
      ['scoring.rules.0.id'],
    );
    assert.deepEqual(
      issuesOf(withRule({ ...RULE, id: 'fit size' })).map((i) => i.path),
      ['scoring.rules.0.id'],
    );
  });

  it('an unknown category, out-of-range points, an empty description', () => {
    assert.deepEqual(
      issuesOf(withRule({ ...RULE, category: 'timing', points: 101, description: '' }))
        .map((i) => i.path)
        .sort(),
      ['scoring.rules.0.category', 'scoring.rules.0.description', 'scoring.rules.0.points'],
    );
  });

  it('no rules at all', () => {
    assert.deepEqual(
      issuesOf(docWith((d) => (d.scoring.rules = []))).map((i) => i.path),
      ['scoring.rules'],
    );
  });

  it('a missing version, scoring or tier', () => {
    assert.deepEqual(
      issuesOf(docWith((d) => delete d.version)).map((i) => i.path),
      ['version'],
    );
    assert.deepEqual(
      issuesOf(docWith((d) => delete d.scoring)).map((i) => i.path),
      ['scoring'],
    );
    assert.deepEqual(
      issuesOf(docWith((d) => delete d.tiers.cool)).map((i) => i.path),
      ['tiers.cool'],
    );
  });

  it('reminder fractions outside (0, 1)', () => {
    assert.deepEqual(
      issuesOf(docWith((d) => (d.tiers.hot.reminders = [0.5, 1]))).map((i) => i.path),
      ['tiers.hot.reminders.1'],
    );
    assert.deepEqual(
      issuesOf(docWith((d) => (d.tiers.hot.reminders = [0]))).map((i) => i.path),
      ['tiers.hot.reminders.0'],
    );
  });

  it('an unknown fast-track timeline and onExhausted value', () => {
    assert.deepEqual(
      issuesOf(
        docWith((d) => {
          d.tiers.hot.fastTrack = { minScore: 65, timelines: ['this-week'] };
          d.tiers.cool.onExhausted = 'delete';
        }),
      ).map((i) => i.path),
      ['tiers.hot.fastTrack.timelines.0', 'tiers.cool.onExhausted'],
    );
  });

  it('a threshold above 100 and a negative minimum', () => {
    assert.deepEqual(
      issuesOf(
        docWith((d) => {
          d.scoring.threshold = 101;
          d.icp = { minEmployees: -1 };
        }),
      )
        .map((i) => i.path)
        .sort(),
      ['icp.minEmployees', 'scoring.threshold'],
    );
  });

  it('lists several errors at once', () => {
    const issues = issuesOf(
      docWith((d) => {
        d.extra = true;
        d.tiers.hot.handoffWindow = 'soon';
        d.scoring.rules = [{ ...RULE, when: { op: 'present', field: 'nope' } }];
      }),
    );
    assert.deepEqual(issues.map((i) => i.path).sort(), ['', 'scoring.rules.0.when.field', 'tiers.hot.handoffWindow']);
  });

  it('PolicyError: its message lists each field, (root) for the top level', () => {
    try {
      parsePolicy(
        docWith((d) => {
          d.extra = 1;
          d.tiers.hot.handoffWindow = 'x';
        }),
        'team.yaml',
      );
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof PolicyError);
      assert.equal(err.name, 'PolicyError');
      assert.equal(err.source, 'team.yaml');
      assert.match(err.message, /^invalid policy team\.yaml: /);
      assert.match(err.message, /\(root\): Unrecognized key: "extra"/);
      assert.match(err.message, /tiers\.hot\.handoffWindow: not a duration: "x"/);
    }
  });

  it('refuses non-objects', () => {
    for (const doc of [null, 'version: 1', 42, []]) {
      assert.ok(issuesOf(doc).length > 0, JSON.stringify(doc));
    }
  });
});

describe('PolicyFileCache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-policy-cache-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file once while it is unchanged, again when it changes; a broken file is not cached', async () => {
    const file = path.join(dir, 'policy.json');
    await writeFile(file, JSON.stringify({ ...minimalPolicyDocument(), version: 'cache-1' }));
    const cache = new PolicyFileCache(file);
    const first = await cache.read();
    assert.equal(first.version, 'cache-1');
    first.version = 'mutated by a caller';
    assert.equal((await cache.read()).version, 'cache-1', 'each reader gets its own copy');

    await writeFile(file, JSON.stringify({ ...minimalPolicyDocument(), version: 'cache-22' }));
    assert.equal((await cache.read()).version, 'cache-22');

    await writeFile(file, '{ not json');
    await assert.rejects(cache.read(), /not valid JSON/);
    await writeFile(file, JSON.stringify({ ...minimalPolicyDocument(), version: 'cache-333' }));
    assert.equal((await cache.read()).version, 'cache-333');
  });
});
