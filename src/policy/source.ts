import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PolicyStore } from '../db/policies.js';
import type { Database } from '../db/database.js';
import type { PolicyDocument } from '../domain/policy-catalog.js';
import type { Policy } from '../domain/policy.js';
import { PolicyFileCache } from './file.js';

/**
 * Where new hand-offs get their policy: the live version in the database (the default), or a file
 * (`BATON_POLICY_FILE`, for teams that keep policy in git). Each hand-off loads it once, at start.
 */
export interface PolicySource {
  readonly kind: 'database' | 'file';
  current(): Promise<Policy>;
}

export class FilePolicySource implements PolicySource {
  readonly kind = 'file';
  private readonly cache: PolicyFileCache;
  constructor(readonly file: string) {
    this.cache = new PolicyFileCache(file);
  }
  current(): Promise<Policy> {
    return this.cache.read();
  }
}

/**
 * The published version. The catalog is seeded from `seedFile` (policy/default.yaml) as version 1
 * the first time it is found empty. Parsed documents are cached by version number: a hand-off's
 * start costs one small query.
 */
export class PublishedPolicySource implements PolicySource {
  readonly kind = 'database';
  private readonly store: PolicyStore;
  private cached: { number: number; policy: Policy } | undefined;

  constructor(
    db: Database,
    private readonly seedFile: string,
  ) {
    this.store = new PolicyStore(db);
  }

  async current(): Promise<Policy> {
    let number = await this.store.publishedNumber();
    if (number === undefined) {
      await this.store.seed(await readPolicyDocument(this.seedFile), `seeded from ${path.basename(this.seedFile)}`);
      number = (await this.store.publishedNumber())!;
    }
    if (this.cached?.number !== number) {
      const detail = (await this.store.get(number))!;
      this.cached = { number, policy: PolicyStore.parse(detail) };
    }
    return structuredClone(this.cached.policy);
  }
}

/** A policy file as a document (YAML or JSON), unvalidated: the store validates what it saves. */
export async function readPolicyDocument(file: string): Promise<PolicyDocument> {
  const text = await readFile(file, 'utf8');
  const document: unknown = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new Error(`policy ${file} is not a document`);
  return document as PolicyDocument;
}

/** The source a process uses: the file when `BATON_POLICY_FILE` names one, else the database's live version. */
export function policySource(config: { policyFile: string; policyFromFile: boolean }, db: Database): PolicySource {
  return config.policyFromFile ? new FilePolicySource(config.policyFile) : new PublishedPolicySource(db, config.policyFile);
}
