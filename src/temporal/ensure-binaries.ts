/**
 * `node --import tsx src/temporal/ensure-binaries.ts [--quiet]` — finds (installing if needed) the
 * Temporal CLI and the time-skipping test server, and prints where they are (`--quiet`: only
 * errors). Run by `scripts/setup.mjs` before `npm start` and `npm test`.
 */
import { resolveTemporalCli, resolveTestServer } from './binaries.js';

const quiet = process.argv.includes('--quiet');

try {
  const [cli, testServer] = await Promise.all([resolveTemporalCli(), resolveTestServer()]);
  if (!quiet) {
    console.log(`temporal CLI:          ${cli}`);
    console.log(`temporal test server:  ${testServer}`);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
