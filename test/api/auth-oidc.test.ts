/**
 * OIDC/JWT bearer tokens (src/api/oidc.ts) against a real identity provider stand-in: a node:http
 * server on loopback serving the discovery document and a JWKS of keys made with jose, and tokens
 * signed with them. The API answers through `app.request()`; the roster (`GET /v1/aes`: managers,
 * admins and ops) shows whether the mapped role got in.
 */
import type { Client } from '@temporalio/client';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../src/api/app.js';
import { TokenStore } from '../../src/api/auth.js';
import { OidcVerifier } from '../../src/api/oidc.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { readPolicyFile } from '../../src/policy/file.js';
import { testDatabase } from '../support/db.js';
import { expectJson, expectProblem, requestApp } from './http.js';

const AUDIENCE = 'baton-api';

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** The identity provider: discovery, a JWKS it can rotate, and counts of what was fetched. */
class IdentityProvider {
  readonly server: Server;
  keys: SigningKey[] = [];
  fetches = { discovery: 0, jwks: 0 };
  /** What discovery says the issuer is (a wrong one is refused). */
  claimedIssuer: string | undefined;

  constructor() {
    this.server = createServer((req, res) => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') {
        this.fetches.discovery++;
        send(200, {
          issuer: this.claimedIssuer ?? this.issuer,
          jwks_uri: `${this.issuer}/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      } else if (req.url === '/keys') {
        this.fetches.jwks++;
        send(200, { keys: this.keys.map((k) => k.jwk) });
      } else send(404, { error: 'not_found' });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get issuer(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const idp = new IdentityProvider();
let first: SigningKey;
let db: Database;

/** A token as the provider would issue it (override any claim; `undefined` drops it). */
async function token(claims: JWTPayload = {}, opts: { key?: SigningKey; header?: Record<string, unknown> } = {}): Promise<string> {
  const key = opts.key ?? first;
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: idp.issuer,
    aud: AUDIENCE,
    sub: 'mgr-ana',
    iat: now,
    exp: now + 300,
    realm_access: { roles: ['offline_access', 'sales-manager'] },
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...opts.header }).sign(key.privateKey);
}

const OPAQUE = 'tok-ops-pat';
const principals = TokenStore.fromTokens([
  { id: 'ops-pat', role: 'ops', name: 'Pat Rivera', token: OPAQUE },
  {
    id: 'sdr-jo',
    role: 'sdr',
    name: 'Jo Park',
    token: 'tok-sdr-jo',
    timeZone: 'America/Chicago',
    managerId: 'mgr-ana',
    email: 'jo@example.com',
  },
]);

function oidcEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused'),
    BATON_OIDC_ISSUER: idp.issuer,
    BATON_OIDC_AUDIENCE: `other-api,${AUDIENCE}`,
    BATON_OIDC_ROLE_CLAIM: 'realm_access.roles',
    BATON_OIDC_ROLE_MAP: 'sales-admin=admin,sales-manager=manager,sales-ops=ops,sales-ae=ae,sales-sdr=sdr',
    ...extra,
  };
}

async function appWith(env: Record<string, string>) {
  const app = createApp({
    client: { options: { namespace: 'default' } } as unknown as Client,
    config: loadConfig(env),
    policy: await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml')),
    principals,
    db,
  });
  return (bearer?: string, url = '/v1/aes') => requestApp(app, 'GET', url, bearer === undefined ? {} : { token: bearer });
}

let roster: Awaited<ReturnType<typeof appWith>>;

before(async () => {
  await idp.start();
  first = await signingKey('key-1');
  idp.keys = [first];
  db = await testDatabase();
  roster = await appWith(oidcEnv());
});

after(async () => {
  await idp.stop();
  await db.close();
});

async function expectInvalidToken(res: Response, detail: RegExp): Promise<void> {
  assert.match(res.headers.get('WWW-Authenticate') ?? '', /^Bearer realm="baton", error="invalid_token"/);
  const problem = await expectProblem(res, 401, 'unauthorized');
  assert.match(problem.detail, detail);
}

describe('OIDC bearer tokens', () => {
  test('a signed token with a mapped role gets in; the key set is discovered from the issuer once', async () => {
    const fetches = { ...idp.fetches };
    await expectJson(await roster(await token()), 200);
    await expectJson(await roster(await token({ sub: 'ops-lee', realm_access: { roles: ['sales-ops'] } })), 200);
    assert.equal(idp.fetches.discovery - fetches.discovery, 1, 'discovery read once');
    assert.equal(idp.fetches.jwks - fetches.jwks, 1, 'key set read once, then cached');
  });

  test('opaque API tokens keep working beside JWTs; an unknown opaque token is still 401', async () => {
    await expectJson(await roster(OPAQUE), 200);
    await expectInvalidToken(await roster('tok-nobody'), /not valid/);
  });

  test('the role comes from the role map: AE and SDR are 403 on the roster, the first mapped value wins', async () => {
    const ae = await expectProblem(await roster(await token({ sub: 'ae-kim', realm_access: { roles: ['sales-ae'] } })), 403, 'forbidden');
    assert.match(ae.detail, /ae-kim \(ae\) may not do this/);
    await expectProblem(await roster(await token({ sub: 'sdr-jo', realm_access: { roles: ['sales-sdr'] } })), 403, 'forbidden');
    // Listed in the order of BATON_OIDC_ROLE_MAP: manager before ae, whatever the token's order.
    await expectJson(await roster(await token({ sub: 'mgr-kai', realm_access: { roles: ['sales-ae', 'sales-manager'] } })), 200);
  });

  test('a valid token whose roles map to no Baton role is 403 naming the claim', async () => {
    const res = await roster(await token({ realm_access: { roles: ['offline_access', 'uma_authorization'] } }));
    const problem = await expectProblem(res, 403, 'forbidden');
    assert.match(problem.detail, /realm_access\.roles claim carries "offline_access", "uma_authorization", which maps to no Baton role/);
    const missing = await expectProblem(await roster(await token({ realm_access: undefined })), 403, 'forbidden');
    assert.match(missing.detail, /is missing or empty/);
  });

  test('expired beyond the clock tolerance is 401; just expired within it still gets in', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalidToken(await roster(await token({ iat: now - 600, exp: now - 120 })), /expired/);
    await expectJson(await roster(await token({ iat: now - 600, exp: now - 10 })), 200);
    await expectInvalidToken(await roster(await token({ nbf: now + 120 })), /nbf claim/);
    await expectInvalidToken(await roster(await token({ exp: undefined })), /exp claim/);
  });

  test('another audience or issuer is 401', async () => {
    await expectInvalidToken(await roster(await token({ aud: 'someone-else' })), /aud claim/);
    await expectJson(await roster(await token({ aud: ['someone-else', AUDIENCE] })), 200);
    await expectInvalidToken(await roster(await token({ iss: 'https://evil.example' })), /iss claim/);
    await expectInvalidToken(await roster(await token({ iss: `${idp.issuer}/` })), /iss claim/);
  });

  test('alg none, an HMAC token and a tampered payload are 401', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: idp.issuer, aud: AUDIENCE, sub: 'mgr-ana', exp: now + 300, realm_access: { roles: ['sales-admin'] } };
    await expectInvalidToken(await roster(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`), /algorithm is not allowed/);
    // HS256 keyed with the provider's public key: the classic algorithm confusion.
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: first.kid })
      .sign(new TextEncoder().encode(JSON.stringify(first.jwk)));
    await expectInvalidToken(await roster(hmac), /algorithm is not allowed/);
    const [header, , signature] = (await token()).split('.');
    await expectInvalidToken(await roster(`${header}.${b64(claims)}.${signature}`), /signature does not verify/);
    await expectInvalidToken(await roster('abc.def.ghi'), /not a well-formed signed JWT/);
  });

  test('a token signed by a key the provider never published is 401, even with a known kid', async () => {
    const impostor = await signingKey(first.kid);
    await expectInvalidToken(await roster(await token({}, { key: impostor })), /signature does not verify/);
    const stranger = await signingKey('key-unknown');
    await expectInvalidToken(await roster(await token({}, { key: stranger })), /no key of the identity provider's key set/);
  });

  test('the id claim is configurable; a token without it is 401', async () => {
    const byUsername = await appWith(oidcEnv({ BATON_OIDC_ID_CLAIM: 'preferred_username' }));
    await expectJson(await byUsername(await token({ sub: '0b7f2c1e-uuid', preferred_username: 'mgr-ana' })), 200);
    await expectInvalidToken(await byUsername(await token({ sub: '0b7f2c1e-uuid' })), /preferred_username claim/);
  });
});

describe('key rotation', () => {
  test('an unknown kid fetches the key set again (after the cooldown); the new key gets in, the retired one no longer', async () => {
    const rotating = await appWith(oidcEnv({ BATON_OIDC_JWKS_COOLDOWN: '0s', BATON_OIDC_ALGORITHMS: 'RS256,ES256' }));
    const old = first;
    await expectJson(await rotating(await token({}, { key: old })), 200);
    const fetched = idp.fetches.jwks;

    const next = await signingKey('key-2', 'ES256');
    idp.keys = [next];
    try {
      await expectJson(await rotating(await token({}, { key: next })), 200);
      assert.equal(idp.fetches.jwks, fetched + 1, 'the unknown kid fetched the key set once more');
      await expectJson(await rotating(await token({}, { key: next })), 200);
      assert.equal(idp.fetches.jwks, fetched + 1, 'a known kid uses the cached set');
      await expectInvalidToken(await rotating(await token({}, { key: old })), /no key of the identity provider's key set/);
    } finally {
      idp.keys = [first];
    }
  });

  test('within the cooldown an unknown kid does not hammer the provider', async () => {
    const calm = await appWith(oidcEnv({ BATON_OIDC_JWKS_COOLDOWN: '1h' }));
    await expectJson(await calm(await token()), 200);
    const fetched = idp.fetches.jwks;
    const next = await signingKey('key-3');
    idp.keys = [first, next];
    try {
      for (let i = 0; i < 3; i++) await expectInvalidToken(await calm(await token({}, { key: next })), /no key/);
      assert.equal(idp.fetches.jwks, fetched);
    } finally {
      idp.keys = [first];
    }
  });
});

describe('the identity provider unreachable or inconsistent', () => {
  test('no key set to be had is 503 with Retry-After, not 401; the next request tries again', async () => {
    const down = await appWith(oidcEnv({ BATON_OIDC_JWKS_URL: `${idp.issuer}/nowhere` }));
    const res = await down(await token());
    assert.equal(res.headers.get('Retry-After'), '5');
    await expectProblem(res, 503, 'unavailable');
  });

  test('discovery naming another issuer is refused (503), and recovers once it agrees', async () => {
    const app = await appWith(oidcEnv());
    idp.claimedIssuer = 'https://evil.example';
    try {
      await expectProblem(await app(await token()), 503, 'unavailable');
    } finally {
      idp.claimedIssuer = undefined;
    }
    await expectJson(await app(await token()), 200);
  });
});

describe('the principal of a token', () => {
  const profile = (id: string) => principals.profile(id);

  test("the tokens file completes a known id (manager, time zone, email); the role is always the token's", async () => {
    const verifier = new OidcVerifier(loadConfig(oidcEnv()).security.oidc!);
    const principal = await verifier.authenticate(
      await token({ sub: 'sdr-jo', name: 'Jo P.', realm_access: { roles: ['sales-sdr'] } }),
      profile,
    );
    assert.deepEqual(principal, {
      id: 'sdr-jo',
      role: 'sdr',
      name: 'Jo Park',
      timeZone: 'America/Chicago',
      managerId: 'mgr-ana',
      email: 'jo@example.com',
    });
    const promoted = await verifier.authenticate(await token({ sub: 'sdr-jo', realm_access: { roles: ['sales-manager'] } }), profile);
    assert.equal(promoted.role, 'manager');
  });

  test('an id the tokens file does not know takes name, verified email and zoneinfo from the claims', async () => {
    const verifier = new OidcVerifier(loadConfig(oidcEnv()).security.oidc!);
    const claims = {
      sub: 'ae-new',
      name: 'Noa Vale',
      email: 'noa@example.com',
      zoneinfo: 'Europe/Berlin',
      realm_access: { roles: ['sales-ae'] },
    };
    assert.deepEqual(await verifier.authenticate(await token(claims), profile), {
      id: 'ae-new',
      role: 'ae',
      name: 'Noa Vale',
      email: 'noa@example.com',
      timeZone: 'Europe/Berlin',
    });
    const unverified = await verifier.authenticate(await token({ ...claims, email_verified: false, zoneinfo: 'Mars/Base' }), profile);
    assert.deepEqual(unverified, { id: 'ae-new', role: 'ae', name: 'Noa Vale' });
  });

  test('without a role map, a claim value that is a Baton role name is that role; a scope claim is split on spaces', async () => {
    const env = oidcEnv({ BATON_OIDC_ROLE_CLAIM: 'scope' });
    delete env.BATON_OIDC_ROLE_MAP;
    const verifier = new OidcVerifier(loadConfig(env).security.oidc!);
    const principal = await verifier.authenticate(await token({ sub: 'ops-lee', scope: 'openid profile ops' }), profile);
    assert.equal(principal.role, 'ops');
  });
});

describe('OIDC configuration is checked at start', () => {
  const base = () => oidcEnv();
  const cases: [string, Record<string, string | undefined>, RegExp][] = [
    ['no audience', { BATON_OIDC_AUDIENCE: '' }, /BATON_OIDC_AUDIENCE must name the audience/],
    ['plain http to a remote issuer', { BATON_OIDC_ISSUER: 'http://idp.example.com' }, /must be an https URL/],
    ['a JWKS URL that is no URL', { BATON_OIDC_JWKS_URL: 'keys.json' }, /BATON_OIDC_JWKS_URL must be a URL/],
    ['a symmetric algorithm', { BATON_OIDC_ALGORITHMS: 'RS256,HS256' }, /"HS256" is not allowed/],
    ['alg none', { BATON_OIDC_ALGORITHMS: 'none' }, /"none" is not allowed/],
    ['a role that Baton lacks', { BATON_OIDC_ROLE_MAP: 'sales-boss=boss' }, /maps to "boss", not one of sdr, ae, manager, ops, admin/],
    ['a pair without =', { BATON_OIDC_ROLE_MAP: 'sales-admin' }, /"sales-admin" is not "claim value=role"/],
    ['a role map that is bad JSON', { BATON_OIDC_ROLE_MAP: '{"a":' }, /not valid JSON/],
    ['a tolerance beyond 5 minutes', { BATON_OIDC_CLOCK_TOLERANCE: '1h' }, /BATON_OIDC_CLOCK_TOLERANCE must be a duration/],
    ['OIDC settings without an issuer', { BATON_OIDC_ISSUER: undefined }, /set without BATON_OIDC_ISSUER/],
  ];
  for (const [name, change, message] of cases) {
    test(name, () => {
      const env: Record<string, string | undefined> = { ...base(), ...change };
      assert.throws(() => loadConfig(env), message);
    });
  }

  test('the defaults: discovery, RS256 and ES256, 30 s tolerance, sub, roles, each role its own name', () => {
    const oidc = loadConfig({ BATON_OIDC_ISSUER: 'https://idp.example.com/realms/sales', BATON_OIDC_AUDIENCE: 'baton' }).security.oidc;
    assert.deepEqual(oidc, {
      issuer: 'https://idp.example.com/realms/sales',
      audience: ['baton'],
      jwksUrl: undefined,
      algorithms: ['RS256', 'ES256'],
      clockToleranceS: 30,
      idClaim: 'sub',
      roleClaim: 'roles',
      roleMap: [
        ['admin', 'admin'],
        ['manager', 'manager'],
        ['ops', 'ops'],
        ['ae', 'ae'],
        ['sdr', 'sdr'],
      ],
      jwksCooldownMs: 30_000,
    });
    assert.equal(loadConfig({}).security.oidc, undefined);
  });

  test('a JSON role map keeps its order', () => {
    const env = { ...base(), BATON_OIDC_ROLE_MAP: '{"Sales Admins":"admin","/sales/ae":"ae"}' };
    assert.deepEqual(loadConfig(env).security.oidc?.roleMap, [
      ['Sales Admins', 'admin'],
      ['/sales/ae', 'ae'],
    ]);
  });
});
