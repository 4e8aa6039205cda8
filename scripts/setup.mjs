#!/usr/bin/env node
// Runs as the npm `prestart` and `pretest` hooks so that on a fresh clone `npm start` and `npm test`
// set themselves up: install npm dependencies when node_modules is missing or stale, then make sure
// the Temporal CLI and test server binaries are there. Dependency-free on purpose (it runs before
// node_modules exists); silent and well under a second when everything is already in place.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hook = process.env.npm_lifecycle_event ?? 'setup';

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const DEPS_CHANGED = 'package.json dependencies differ from package-lock.json';
const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** The lockfile's root entry still lists exactly the dependencies package.json asks for. */
function lockMatchesPackageJson(pkg, lock) {
  const locked = lock?.packages?.[''];
  if (!pkg || !locked) return false;
  return DEP_FIELDS.every((f) => JSON.stringify(sorted(pkg[f])) === JSON.stringify(sorted(locked[f])));
}

function sorted(obj) {
  return Object.fromEntries(Object.entries(obj ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

/** Why node_modules needs (re)installing, or undefined when it is current. */
function installReason() {
  const installed = mtime(path.join(root, 'node_modules', '.package-lock.json'));
  if (installed === undefined) return 'node_modules is missing';
  const lockFile = path.join(root, 'package-lock.json');
  const lockTime = mtime(lockFile);
  if (lockTime !== undefined && lockTime > installed) return 'package-lock.json changed';
  const pkgTime = mtime(path.join(root, 'package.json'));
  if (pkgTime !== undefined && pkgTime > installed) {
    // Editing package.json (a new script, say) does not make node_modules stale; changed
    // dependencies do. Without a lockfile we cannot tell, so reinstall.
    if (lockTime === undefined) return 'package.json changed';
    if (!lockMatchesPackageJson(readJson(path.join(root, 'package.json')), readJson(lockFile))) {
      return DEPS_CHANGED;
    }
  }
  return undefined;
}

function npm(args) {
  // Inside an npm hook, run the same npm that runs us.
  const execPath = process.env.npm_execpath;
  const [cmd, argv] = execPath && /npm-cli\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath, ...args]] : ['npm', args];
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' && cmd === 'npm' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const reason = installReason();
if (reason) {
  const hasLock = fs.existsSync(path.join(root, 'package-lock.json'));
  // A developer who edited dependencies in package.json wants the lockfile updated (`npm install`);
  // CI must install exactly the lockfile and fail loudly when the two disagree (`npm ci`).
  const lockStale = reason === DEPS_CHANGED && !process.env.CI;
  const args = hasLock && !lockStale ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  console.error(`baton setup: ${reason}; running npm ${args[0]}`);
  let status = npm(args);
  if (status !== 0 && args[0] === 'ci' && !process.env.CI) {
    // On a developer machine a lockfile npm ci rejects should not block `npm start`.
    console.error('baton setup: npm ci failed; trying npm install (it may update package-lock.json)');
    status = npm(['install', '--no-audit', '--no-fund']);
  }
  if (status !== 0) {
    console.error(`baton setup: npm install failed (exit ${status})`);
    process.exit(status);
  }
  // Mark node_modules current even when npm left its hidden lockfile untouched.
  const hidden = path.join(root, 'node_modules', '.package-lock.json');
  const now = new Date();
  if (fs.existsSync(hidden)) fs.utimesSync(hidden, now, now);
}

// The pages' script bundles (dist/dashboard/app.js, policies.js): rebuilt when one is missing or older than their sources.
function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(file) : (mtime(file) ?? 0));
  }
  return newest;
}
const bundles = ['app.js', 'policies.js'].map((name) => mtime(path.join(root, 'dist', 'dashboard', name)));
const dashboardBundle = bundles.includes(undefined) ? undefined : Math.min(...bundles);
const dashboardSources = Math.max(
  newestMtime(path.join(root, 'src', 'dashboard')),
  mtime(path.join(root, 'scripts', 'build-dashboard.ts')) ?? 0,
  mtime(path.join(root, 'node_modules', 'chart.js', 'package.json')) ?? 0,
);
if (dashboardBundle === undefined || dashboardBundle < dashboardSources) {
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-dashboard.ts'], { cwd: root, stdio: 'inherit' });
  if (built.error) throw built.error;
  if (built.status !== 0) {
    console.error(`baton setup: building the pages' scripts failed (exit ${built.status}); see npm run build:dashboard`);
    process.exit(built.status ?? 1);
  }
}

// The prebuilt workflow bundle `npm start` loads (dist/workflow-bundle.js): rebuilt unless it was
// built from exactly the files there now — the workflow code and what it imports (the list the last
// build wrote to dist/workflow-bundle.json), the bundle options and the locked dependencies.
const bundleFile = path.join(root, 'dist', 'workflow-bundle.js');
const bundleMeta = path.join(root, 'dist', 'workflow-bundle.json');

function filesUnder(dir) {
  if (!fs.existsSync(path.join(root, dir))) return [];
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)));
}

function workflowSourcesHash() {
  const listed = readJson(bundleMeta)?.sources ?? [];
  const files = new Set([
    ...filesUnder('workflows'),
    ...filesUnder(path.join('src', 'domain')),
    ...listed,
    'src/worker.ts',
    'src/workflow-preload.ts',
    'src/workflow-regexes.cts',
    'src/workflow-shared-domain.ts',
    'scripts/build-workflows.ts',
    'package-lock.json',
  ]);
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    hash.update(`${file}\0`);
    try {
      hash.update(fs.readFileSync(path.join(root, file)));
    } catch {
      hash.update('(missing)');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

if (hook !== 'pretest' && (!fs.existsSync(bundleFile) || readJson(bundleMeta)?.sourcesHash !== workflowSourcesHash())) {
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-workflows.ts'], { cwd: root, stdio: 'inherit' });
  if (built.error) throw built.error;
  if (built.status !== 0) {
    console.error(`baton setup: bundling the workflow code failed (exit ${built.status}); see npm run build:workflows`);
    process.exit(built.status ?? 1);
  }
  const meta = readJson(bundleMeta) ?? {};
  fs.writeFileSync(bundleMeta, `${JSON.stringify({ ...meta, sourcesHash: workflowSourcesHash() }, null, 2)}\n`);
}

const ensure = spawnSync(process.execPath, ['--import', 'tsx', 'src/temporal/ensure-binaries.ts', '--quiet'], {
  cwd: root,
  stdio: 'inherit',
});
if (ensure.error) throw ensure.error;
if (ensure.status !== 0) {
  const noDownload = !['', '0', 'false', undefined].includes(process.env.BATON_NO_DOWNLOAD?.toLowerCase());
  // Tests can still fall back to the SDK's own download; `npm start` needs a binary on disk.
  if (hook === 'pretest' && !noDownload) {
    console.error("baton setup: continuing; the tests will try the Temporal SDK's own download");
  } else {
    process.exit(ensure.status ?? 1);
  }
}
