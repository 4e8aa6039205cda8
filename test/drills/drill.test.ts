/**
 * The fault drills, CI-sized: 300 hand-offs through two API replicas and two workers while both
 * workers are `kill -9`ed five times, each API replica once, PostgreSQL crashes, the dev server
 * restarts and 20 % of activity attempts fail. `npm run drill` runs longer ones (test/drills/drill.ts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runDrill } from './drill.js';

it(
  'survives worker and API kills, a PostgreSQL crash, a dev server restart and 20 % activity failures with nothing lost or doubled',
  { timeout: 15 * 60_000 },
  async () => {
    const report = await runDrill({ handoffs: 300, rounds: 1, faultRate: 0.2, submitRate: 6 });
    console.log(`drill: ${JSON.stringify(report)}`);
    const { injections } = report;
    assert.ok(injections.workerKills >= 5 && injections.apiKills >= 2, 'the faults were injected');
    assert.equal(injections.postgresRestarts, 1);
    assert.equal(injections.devServerRestarts, 1);
    assert.ok(injections.activityFaults > 0, 'activity failures were injected');
    assert.ok(report.peakInFlight >= 200, `at least 200 hand-offs in flight at once (peak ${report.peakInFlight})`);
    assert.equal(report.handoffs, 300);
    assert.equal(report.lost, 0);
    // Outages answer 503 (retried); nothing answers 500.
    assert.equal(report.statuses['500'] ?? 0, 0, JSON.stringify(report.statuses));
    assert.deepEqual(report.wrongState, {});
    assert.equal(report.notFinished, 0);
    assert.equal(report.assignedTwice, 0);
    assert.equal(report.overCapacity, 0);
    assert.ok(report.capacitySamples > 30);
    assert.equal(report.ledgerMismatches, 0);
    // Entries recorded at the clock of a workflow task attempt the history does not keep (see DrillReport.clockDrift).
    assert.ok(report.clockDrift <= 10, `${report.clockDrift} ledger entries at another workflow time`);
    assert.equal(report.duplicateDeliveries, 0);
    assert.equal(report.missingDeliveries, 0);
    assert.ok(report.emailsReceived > 300);
    // The same message again after a worker died mid-send (receivers drop it by Message-ID): at most one per kill per send in flight.
    assert.ok(report.resentSameMessage <= injections.workerKills * 10, `${report.resentSameMessage} repeated messages`);
  },
);
