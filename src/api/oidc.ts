import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { OidcConfig } from '../config.js';
import type { Role } from '../domain/actions.js';
import { PrincipalSchema, type Principal } from '../domain/principals.js';
import { ProblemError } from './problem.js';

/** How long the discovery document and the key set may take to arrive. */
const FETCH_TIMEOUT_MS = 5_000;
/** How long a fetched key set is used before it is fetched again (jose's own default, stated). */
const JWKS_MAX_AGE_MS = 10 * 60_000;

const INVALID_TOKEN = (description: string) => ({
  'WWW-Authenticate': `Bearer realm="baton", error="invalid_token", error_description="${description.replace(/["\\]/g, "'")}"`,
});

/** The identity provider's key set could not be had: the token is not judged, the caller tries again. */
class KeySetUnavailable extends Error {}

/**
 * Verifies JWT bearer tokens from an OpenID Connect provider against its published key set (README
 * "Security"): signature with an allowed algorithm, `iss`, `aud`, `exp`/`nbf` with the clock
 * tolerance; then the principal: its id from the id claim, its role from the role claim through the
 * role map. Profile fields the tokens file holds for the same id (manager, time zone, Slack id,
 * quiet hours, email) complete it, so notifications find the same person either way.
 */
export class OidcVerifier {
  private keySet: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly config: OidcConfig) {}

  /** A principal, or a problem: 401 for a token that does not verify, 403 for one that maps to no role, 503 when the key set cannot be fetched. */
  async authenticate(token: string, profile: (id: string) => Principal | undefined): Promise<Principal> {
    const { config } = this;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, input) => this.key(header, input), {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockToleranceS,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw rejection(err);
    }

    const id = claimAt(payload, config.idClaim);
    if (typeof id !== 'string' || !PrincipalSchema.shape.id.safeParse(id).success) {
      throw new ProblemError('unauthorized', `the token's ${config.idClaim} claim is not a Baton principal id`, {
        headers: INVALID_TOKEN(`no usable ${config.idClaim} claim`),
      });
    }
    const values = roleValues(payload, config.roleClaim);
    const role = config.roleMap.find(([value]) => values.includes(value))?.[1];
    if (!role) {
      const carried = values.length > 0 ? `carries ${values.map((v) => JSON.stringify(v)).join(', ')}` : 'is missing or empty';
      throw new ProblemError(
        'forbidden',
        `${id} is signed in, but the token's ${config.roleClaim} claim ${carried}, which maps to no Baton role (${config.roleMap.map(([value, r]) => `${value}=${r}`).join(', ')})`,
        { headers: { 'WWW-Authenticate': 'Bearer realm="baton", error="insufficient_scope"' } },
      );
    }
    return principalOf(id, role, payload, profile(id));
  }

  /** The key for a token's header: discovery and the key set on first use, refetched for an unknown `kid` (after the cooldown). */
  private async key(...args: Parameters<JWTVerifyGetKey>): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> {
    this.keySet ??= this.remoteKeySet().catch((err: unknown) => {
      this.keySet = undefined;
      throw err;
    });
    const keys = await this.keySet;
    try {
      return await keys(...args);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      throw new KeySetUnavailable(`the identity provider's key set could not be fetched: ${(err as Error).message}`, { cause: err });
    }
  }

  private async remoteKeySet(): Promise<JWTVerifyGetKey> {
    const url = this.config.jwksUrl ?? (await this.discoverKeySetUrl());
    return createRemoteJWKSet(new URL(url), {
      timeoutDuration: FETCH_TIMEOUT_MS,
      cooldownDuration: this.config.jwksCooldownMs,
      cacheMaxAge: JWKS_MAX_AGE_MS,
    });
  }

  /** OpenID Connect Discovery 1.0 §4: the document's `issuer` must be the configured one, exactly. */
  private async discoverKeySetUrl(): Promise<string> {
    const { issuer } = this.config;
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      document = (await res.json()) as typeof document;
    } catch (err) {
      throw new KeySetUnavailable(`OIDC discovery failed: ${(err as Error).message}`, { cause: err });
    }
    if (document.issuer !== issuer)
      throw new KeySetUnavailable(`OIDC discovery at ${url} names issuer ${JSON.stringify(document.issuer)}, not ${issuer}`);
    if (typeof document.jwks_uri !== 'string') throw new KeySetUnavailable(`OIDC discovery at ${url} has no jwks_uri`);
    return document.jwks_uri;
  }
}

/** What went wrong with a token, as the caller may be told it. */
function rejection(err: unknown): ProblemError {
  if (err instanceof KeySetUnavailable) {
    console.warn(`oidc: ${err.message}`);
    return new ProblemError('unavailable', 'tokens from the identity provider cannot be verified right now; try again shortly', {
      headers: { 'Retry-After': '5' },
      cause: err,
    });
  }
  const invalid = (detail: string): ProblemError =>
    new ProblemError('unauthorized', `the bearer token is not valid: ${detail}`, { headers: INVALID_TOKEN(detail), cause: err });
  if (err instanceof errors.JWTExpired) return invalid('it has expired');
  if (err instanceof errors.JWTClaimValidationFailed) return invalid(`its ${err.claim} claim is not accepted (${err.reason})`);
  if (err instanceof errors.JOSEAlgNotAllowed) return invalid('its signing algorithm is not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalid('its signature does not verify');
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return invalid("no key of the identity provider's key set verifies it");
  if (err instanceof errors.JOSEError) return invalid('it is not a well-formed signed JWT');
  // Anything else is a bug or an outage, not the caller's fault: the app's error handler logs it.
  throw err;
}

/** A claim by name, or by dotted path (`realm_access.roles`) when no claim has that exact name. */
function claimAt(payload: JWTPayload, claim: string): unknown {
  if (Object.hasOwn(payload, claim)) return payload[claim];
  let value: unknown = payload;
  for (const part of claim.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The role claim's values: an array of strings, one string, or an OAuth `scope` (space-separated). */
function roleValues(payload: JWTPayload, claim: string): string[] {
  const value = claimAt(payload, claim);
  if (typeof value === 'string') return claim === 'scope' ? value.split(/\s+/).filter(Boolean) : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function principalOf(id: string, role: Role, payload: JWTPayload, known: Principal | undefined): Principal {
  const fromClaims: Partial<Principal> = {};
  const name = PrincipalSchema.shape.name.safeParse(payload.name);
  if (name.success) fromClaims.name = name.data;
  const email = PrincipalSchema.shape.email.safeParse(payload.email);
  if (email.success && email.data && payload.email_verified !== false) fromClaims.email = email.data;
  const zone = PrincipalSchema.shape.timeZone.safeParse(payload.zoneinfo);
  if (zone.success && zone.data) fromClaims.timeZone = zone.data;
  // The tokens file is Baton's directory (notifications read it too): what it says about this id comes first.
  return { name: id, ...fromClaims, ...known, id, role };
}
