/**
 * Bundles the workflow code once (`npm run build:workflows`): a stray Node import under
 * `workflows/` fails here, `npm start` loads the bundle (setup rebuilds it when the workflow code
 * changes), and so does the production worker (`BATON_WORKFLOW_BUNDLE=dist/workflow-bundle.js`).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WORKFLOW_BUNDLE } from '../src/config.js';
import { workflowBundleOptions } from '../src/worker.js';

const out = WORKFLOW_BUNDLE;
const { code } = await bundleWorkflowCode({
  ...workflowBundleOptions,
  logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
});
// Every workflow evaluates every module the bundle holds (V8 context reuse shares the context, not
// the modules), so heavy modules cost memory and CPU per hand-off: keep them out.
const heavy = ['@temporalio/proto', 'protobufjs', '@temporalio/client', 'yaml', 'pg'].filter((name) =>
  code.includes(`"./node_modules/${name}/`),
);
if (heavy.length > 0) {
  console.error(`the workflow bundle includes ${heavy.join(', ')}: a module under workflows/ imports it (directly or through src/)`);
  process.exit(1);
}
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, code);
console.log(`workflow bundle: ${path.relative(process.cwd(), out)} (${(code.length / 1024).toFixed(0)} KiB)`);
