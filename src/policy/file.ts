import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parsePolicy, type Policy } from '../domain/policy.js';

/** Reads and validates a policy document (YAML or JSON, by extension; YAML also reads JSON). */
export async function readPolicyFile(file: string): Promise<Policy> {
  const text = await readFile(file, 'utf8');
  let document: unknown;
  try {
    document = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`policy ${file} is not valid ${path.extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parsePolicy(document, file);
}

/**
 * A policy file read once and again only when it changes (its size or modification time): every
 * hand-off loads the policy at its start, and parsing and validating the YAML each time would cost
 * more than the rest of the activity.
 */
export class PolicyFileCache {
  private cached: { key: string; policy: Promise<Policy> } | undefined;

  constructor(private readonly file: string) {}

  async read(): Promise<Policy> {
    const { size, mtimeMs } = await stat(this.file);
    const key = `${size}:${mtimeMs}`;
    if (this.cached?.key !== key) {
      const policy = readPolicyFile(this.file);
      this.cached = { key, policy };
      // A file that fails to parse is read again next time, not cached as broken.
      policy.catch(() => {
        if (this.cached?.policy === policy) this.cached = undefined;
      });
    }
    return structuredClone(await this.cached.policy);
  }
}
