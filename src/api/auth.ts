import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../domain/actions.js';
import type { Principal, TokenEntry } from '../domain/principals.js';
import { readTokensFile } from '../principals/file.js';
import type { OidcVerifier } from './oidc.js';
import { ProblemError } from './problem.js';

/** The principal a route reads with `c.get('principal')`; defined with the tokens file's schema in the domain. */
export type { Principal } from '../domain/principals.js';

/** The SHA-256 of a bearer token, as the tokens file stores it (`tokenSha256`). */
export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Maps bearer tokens to principals by comparing SHA-256 digests in constant time. */
export class TokenStore {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(entries: readonly TokenEntry[]) {
    this.entries = entries.map(({ tokenSha256, ...principal }) => ({ digest: Buffer.from(tokenSha256, 'hex'), principal }));
  }

  /** Reads the tokens file; a missing file means nobody can authenticate yet. */
  static async load(file: string): Promise<TokenStore> {
    return new TokenStore(await readTokensFile(file));
  }

  /** Hands out principals for plain tokens (tests). */
  static fromTokens(tokens: readonly (Principal & { token: string })[]): TokenStore {
    return new TokenStore(tokens.map(({ token, ...principal }) => ({ ...principal, tokenSha256: sha256(token).toString('hex') })));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal the tokens file lists under this id (the first), whatever its token. */
  profile(id: string): Principal | undefined {
    return this.entries.find((entry) => entry.principal.id === id)?.principal;
  }

  authenticate(token: string): Principal | undefined {
    const digest = sha256(token);
    let found: Principal | undefined;
    // Every entry is compared, so the time taken says nothing about which one matched.
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.principal;
    }
    return found;
  }
}

export type AuthEnv = { Variables: { principal: Principal } };

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="baton"' };

/** Three base64url parts: a compact JWS, which only the OIDC verifier can judge. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * `Authorization: Bearer <token>` → `c.get('principal')`, or 401. A token in the tokens file wins;
 * with OIDC configured, a JWT is verified against the identity provider's key set (src/api/oidc.ts).
 */
export function bearerAuth(store: TokenStore, oidc?: OidcVerifier): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('Authorization');
    if (!header) throw new ProblemError('unauthorized', 'send Authorization: Bearer <token>', { headers: CHALLENGE });
    const match = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(header);
    if (!match) {
      throw new ProblemError('unauthorized', 'the Authorization header must be "Bearer <token>"', {
        headers: { 'WWW-Authenticate': 'Bearer realm="baton", error="invalid_request"' },
      });
    }
    const token = match[1]!;
    let principal = store.authenticate(token);
    if (!principal && oidc && JWT_SHAPE.test(token)) principal = await oidc.authenticate(token, (id) => store.profile(id));
    if (!principal) {
      throw new ProblemError('unauthorized', 'the bearer token is not valid', {
        headers: { 'WWW-Authenticate': 'Bearer realm="baton", error="invalid_token"' },
      });
    }
    c.set('principal', principal);
    await next();
  };
}

/** 403 unless the caller has one of the roles. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const { role, id } = c.get('principal');
    if (!roles.includes(role)) {
      throw new ProblemError('forbidden', `${id} (${role}) may not do this; allowed roles: ${roles.join(', ')}`);
    }
    await next();
  };
}
