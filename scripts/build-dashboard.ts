/**
 * Bundles the pages' clients (`npm run build:dashboard`): the KPI page's `src/dashboard/client/app.ts`
 * with the parts of Chart.js it registers, and the policy page's `src/dashboard/client/policies.ts`
 * (plain SVG), minified, into `dist/dashboard/app.js` and `dist/dashboard/policies.js`, which
 * `GET /dashboard/app.js` and `GET /dashboard/policies.js` serve. Nothing is fetched from a CDN at
 * run time. `scripts/setup.mjs` runs this before `npm start` and `npm test` when the bundle is
 * missing or older than its sources.
 */
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../src/config.js';
import { DASHBOARD_BUNDLE, POLICIES_BUNDLE } from '../src/dashboard/assets.js';

const CLIENT = path.join(repoRoot, 'src', 'dashboard', 'client');

/** Each bundle and its entry point. */
export const DASHBOARD_ENTRIES: { entry: string; bundle: string }[] = [
  { entry: path.join(CLIENT, 'app.ts'), bundle: DASHBOARD_BUNDLE },
  { entry: path.join(CLIENT, 'policies.ts'), bundle: POLICIES_BUNDLE },
];

/** Builds the bundles (each written atomically, so a running API never serves half a file); answers their sizes in bytes. */
export async function buildDashboard(): Promise<{ bundle: string; bytes: number }[]> {
  return Promise.all(
    DASHBOARD_ENTRIES.map(async ({ entry, bundle }) => {
      const result = await build({
        entryPoints: [entry],
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
      await mkdir(path.dirname(bundle), { recursive: true });
      const tmp = `${bundle}.${process.pid}.tmp`;
      await writeFile(tmp, code);
      await rename(tmp, bundle);
      return { bundle, bytes: code.byteLength };
    }),
  );
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  for (const { bundle, bytes } of await buildDashboard()) {
    console.log(`dashboard bundle: ${path.relative(process.cwd(), bundle)} (${(bytes / 1024).toFixed(0)} KiB)`);
  }
}
