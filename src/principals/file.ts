import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TokenEntrySchema, type TokenEntry } from '../domain/principals.js';

/**
 * Reads the tokens file (`BATON_TOKENS_FILE`): every principal with the SHA-256 of its token. The
 * API authenticates with it; the notification directory reads names and email addresses from it.
 * A missing file is an empty list: nobody can authenticate yet.
 */
export async function readTokensFile(file: string): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new Error(`tokens file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = z.array(TokenEntrySchema).safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`tokens file ${file} is invalid: ${issues}`);
  }
  return parsed.data;
}
