/**
 * Records the history of every replay scenario, for the replay test:
 *
 *   node --import tsx test/replay/record.ts --prefix v1 [--out test/histories] [--only name1,name2] [--force]
 *
 * Run it from a checkout of the workflow version you mean to record (a `git worktree` of the
 * release), never from a tree with unreleased workflow changes: a history recorded from new code
 * proves nothing about old hand-offs. Existing files are kept unless `--force` is given.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../src/config.js';
import { withHarness } from '../workflow/harness.js';
import { historyToJSON } from './history-json.js';
import { scenarios, type Scenario } from './scenarios.js';

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Runs one scenario on its own time-skipping server and writes its history to `file`. */
async function record(scenario: Scenario, file: string): Promise<string> {
  return withHarness(
    async (h) => {
      const handle = await scenario.run(h);
      const { status } = await handle.describe();
      const expected = scenario.expect === 'completed' ? 'COMPLETED' : 'RUNNING';
      if (status.name !== expected) throw new Error(`${scenario.name}: expected the hand-off ${expected}, it is ${status.name}`);
      const history = await handle.fetchHistory();
      await writeFile(file, historyToJSON(history) + '\n');
      return `${history.events?.length ?? 0} events, ${status.name}`;
    },
    scenario.roster ? { roster: scenario.roster } : {},
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      prefix: { type: 'string' },
      out: { type: 'string', default: path.join(repoRoot, 'test', 'histories') },
      only: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  if (!values.prefix || !/^[a-z0-9][a-z0-9.-]*$/.test(values.prefix)) throw new Error('--prefix is required, e.g. --prefix v1');
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !scenarios.some((s) => s.name === name)) ?? [];
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  const selected = only ? scenarios.filter((s) => only.includes(s.name)) : scenarios;

  const out = path.resolve(values.out);
  await mkdir(out, { recursive: true });
  const files = selected.map((s) => path.join(out, `${values.prefix}-${s.name}.json`));
  const taken = [];
  for (const file of files) if (await exists(file)) taken.push(path.basename(file));
  if (taken.length && !values.force) throw new Error(`refusing to overwrite recorded histories (pass --force): ${taken.join(', ')}`);

  const started = Date.now();
  for (const [i, scenario] of selected.entries()) {
    const t0 = Date.now();
    const summary = await record(scenario, files[i]!);
    console.log(`${path.relative(process.cwd(), files[i]!)}: ${summary} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  console.log(`recorded ${selected.length} histories in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
