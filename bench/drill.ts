/**
 * `npm run drill`: a longer fault drill than CI's (test/drills/drill.ts), its counts printed and
 * written to bench/RESULTS.md.
 *
 *   npm run drill -- --handoffs 600 --rounds 3 --fault-rate 0.2 --submit-rate 8
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runDrill, type DrillReport } from '../test/drills/drill.js';
import { writeResultsSection } from './results.js';

const { values } = parseArgs({
  options: {
    handoffs: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '3' },
    'fault-rate': { type: 'string', default: '0.2' },
    'submit-rate': { type: 'string', default: '8' },
    calm: { type: 'boolean', default: false },
  },
});
const options = {
  handoffs: Number(values.handoffs),
  rounds: Number(values.rounds),
  faultRate: Number(values['fault-rate']),
  submitRate: Number(values['submit-rate']),
  calm: values.calm,
};
const report = await runDrill(options);
console.log(JSON.stringify(report, null, 2));
await writeResultsSection('## Fault drills', section(report));
process.exit(failed(report) ? 1 : 0);

function failed(r: DrillReport): boolean {
  return (
    r.lost + r.notFinished + r.assignedTwice + r.overCapacity + r.ledgerMismatches + r.duplicateDeliveries + r.missingDeliveries > 0 ||
    Object.keys(r.wrongState).length > 0
  );
}

function section(r: DrillReport): string {
  const i = r.injections;
  const statuses = Object.entries(r.statuses)
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  return `## Fault drills

\`npm run drill -- --handoffs ${options.handoffs} --rounds ${options.rounds} --fault-rate ${options.faultRate} --submit-rate ${options.submitRate}${options.calm ? ' --calm' : ''}\`
(${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version}): PostgreSQL (private cluster), the
Temporal dev server on a file database, two workers and two API replicas as separate processes, a
round-robin client (test/drills/topology.ts). Scripts: 40 % worked to an opportunity, 30 % ignored
(the SLA ladder runs out: escalation, then back to the SDR), 20 % rejected by the AE, 10 % nurture.
SLA windows of 90 s (a drill policy). CI runs the same drill with 300 hand-offs and one round
(test/drills/drill.test.ts).

| figure | value |
|---|---|
| hand-offs | ${r.handoffs} (${Object.entries(r.scripts)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ')}), peak ${r.peakInFlight} in flight |
| injections | ${i.workerKills} worker \`kill -9\`, ${i.apiKills} API \`kill -9\`, ${i.postgresRestarts} PostgreSQL crash + restart, ${i.devServerRestarts} dev server restart, ${i.activityFaults} failed activity attempts (${options.faultRate * 100} %) |
| lost | ${r.lost} |
| not in the state their script implies | ${Object.keys(r.wrongState).length} (not finished: ${r.notFinished}) |
| assigned twice | ${r.assignedTwice} |
| AE over capacity | ${r.overCapacity} of ${r.capacitySamples} samples |
| ledger ≠ timeline | ${r.ledgerMismatches} hand-offs (${r.ledgerEvents} events compared); ${r.clockDrift} entries equal but for their workflow time (a retried workflow task the SDK did not replay) |
| duplicated / missing emails | ${r.duplicateDeliveries} / ${r.missingDeliveries} (${r.emailsReceived} received; ${r.resentSameMessage} repeats of the same Message-ID after a worker died mid-send) |
| API answers | ${statuses}; ${r.transportRetries} requests retried on the other replica |
| wall time | ${r.seconds} s |
`;
}
