/**
 * Bundles the KPI page's client (`npm run build:dashboard`): `src/dashboard/client/app.ts` and the
 * parts of Chart.js it registers, minified, into `dist/dashboard/app.js`, which `GET /dashboard/app.js`
 * serves. Nothing is fetched from a CDN at run time. `scripts/setup.mjs` runs this before `npm start`
 * and `npm test` when the bundle is missing or older than its sources.
 */
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../src/config.js';
import { DASHBOARD_BUNDLE } from '../src/dashboard/assets.js';

export const DASHBOARD_ENTRY = path.join(repoRoot, 'src', 'dashboard', 'client', 'app.ts');

/** Builds the bundle (written atomically, so a running API never serves half a file); answers its size in bytes. */
export async function buildDashboard(out: string = DASHBOARD_BUNDLE): Promise<number> {
  const result = await build({
    entryPoints: [DASHBOARD_ENTRY],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    legalComments: 'eof',
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0]!.contents;
  await mkdir(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, code);
  await rename(tmp, out);
  return code.byteLength;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const bytes = await buildDashboard();
  console.log(`dashboard bundle: ${path.relative(process.cwd(), DASHBOARD_BUNDLE)} (${(bytes / 1024).toFixed(0)} KiB)`);
}
