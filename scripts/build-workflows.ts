/**
 * Bundles the workflow code once (`npm run build:workflows`): a stray Node import under
 * `workflows/` fails here, `npm start` loads the bundle (scripts/setup.mjs rebuilds it when what it
 * was built from changes), and so does the production worker (`BATON_WORKFLOW_BUNDLE`, set in the
 * image). Beside the bundle, `dist/workflow-bundle.json` lists the repository files it holds, so
 * setup can tell when it is stale.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, WORKFLOW_BUNDLE } from '../src/config.js';
import { workflowBundleOptions } from '../src/worker.js';

const out = WORKFLOW_BUNDLE;
const { code } = await bundleWorkflowCode({
  ...workflowBundleOptions,
  logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
});
// Each workflow evaluates the bundle's modules that are not preloaded (src/workflow-preload.ts), so
// a heavy one costs memory and CPU per hand-off: keep them out.
const heavy = ['@temporalio/proto', 'protobufjs', '@temporalio/client', 'yaml', 'pg'].filter((name) =>
  code.includes(`"./node_modules/${name}/`),
);
if (heavy.length > 0) {
  console.error(`the workflow bundle includes ${heavy.join(', ')}: a module under workflows/ imports it (directly or through src/)`);
  process.exit(1);
}
// webpack names each module by its path from the repository root: `/***/ "./workflows/handoff.ts"`.
const modules = [...code.matchAll(/^\/\*\*\*\/ "(\.\/[^"]+)"$/gm)].map((m, i, all) => ({
  id: m[1]!,
  body: code.slice(m.index, all[i + 1]?.index ?? code.length),
}));
// The worker shares src/domain/'s modules between workflows (src/workflow-shared-domain.ts), so they
// may import only each other and the libraries every workflow shares (src/workflow-preload.ts).
const SHAREABLE = /^\.\/(src\/domain\/|node_modules\/(zod|luxon)\/|src\/workflow-regexes\.cts$)/;
const crossing = modules
  .filter((m) => m.id.startsWith('./src/domain/'))
  .flatMap((m) => [...m.body.matchAll(/__webpack_require__\(\/\*! [^*]* \*\/ "([^"]+)"\)/g)].map((r) => `${m.id} → ${r[1]!}`))
  .filter((edge) => !SHAREABLE.test(edge.split(' → ')[1]!));
if (crossing.length > 0) {
  console.error(`src/domain/ must import only itself, zod and luxon (the worker shares it between workflows):\n  ${crossing.join('\n  ')}`);
  process.exit(1);
}
const sources = [...new Set(modules.map((m) => m.id.slice(2)).filter((id) => !id.startsWith('node_modules/')))].sort();
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, code);
await writeFile(`${out.replace(/\.js$/, '')}.json`, `${JSON.stringify({ sources }, null, 2)}\n`);
console.log(
  `workflow bundle: ${path.relative(repoRoot, out)} (${(code.length / 1024).toFixed(0)} KiB, ${sources.length} files of this repository)`,
);
