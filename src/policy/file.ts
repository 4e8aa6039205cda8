import { readFile } from 'node:fs/promises';
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
