/**
 * Bundles the workflow code once (`npm run build:workflows`): a stray Node import under
 * `workflows/` fails here, and the production worker loads the prebuilt bundle
 * (`BATON_WORKFLOW_BUNDLE=dist/workflow-bundle.js`).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../src/config.js';
import { workflowsPath } from '../src/worker.js';

const out = path.join(repoRoot, 'dist', 'workflow-bundle.js');
const { code } = await bundleWorkflowCode({
  workflowsPath,
  logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
});
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, code);
console.log(`workflow bundle: ${path.relative(process.cwd(), out)} (${(code.length / 1024).toFixed(0)} KiB)`);
