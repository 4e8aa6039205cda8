/** The interactive API reference (`GET /docs`): Swagger UI from the bundle, no CDN, no inline script. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenStore } from '../../src/api/auth.js';
import { appWithoutTemporal, expectProblem } from './http.js';

const CONTENT_TYPES: [RegExp, RegExp][] = [
  [/\.js$/, /^text\/javascript; charset=utf-8$/],
  [/\.css$/, /^text\/css; charset=utf-8$/],
  [/\.png$/, /^image\/png$/],
];

test('the reference page and everything it loads are served from this origin, without a token', async (t) => {
  const { request } = await appWithoutTemporal(t, TokenStore.fromTokens([]));
  const page = await request('GET', '/docs');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/i);
  const html = await page.text();
  assert.doesNotMatch(html, /(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i, 'no external origin');

  // Every script is a file of this origin: a `script-src 'self'` policy allows the page.
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  assert.ok(scripts.length >= 2);
  for (const [, attributes, inline] of scripts) {
    assert.match(attributes!, /\bsrc="\/[^/]/, 'a same-origin src');
    assert.equal(inline!.trim(), '', 'no inline script');
  }
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');

  const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(urls.includes('/docs/init.js'));
  assert.ok(urls.some((u) => u.endsWith('/swagger-ui-bundle.js')));
  assert.ok(urls.some((u) => u.endsWith('/swagger-ui.css')));
  for (const url of urls) {
    assert.match(url, /^\/[^/]/, `${url} is a path on this origin`);
    const res = await request('GET', url);
    assert.equal(res.status, 200, url);
    const [, type] = CONTENT_TYPES.find(([ext]) => ext.test(url)) ?? [];
    assert.ok(type, `a known kind of asset: ${url}`);
    assert.match(res.headers.get('content-type') ?? '', type, url);
    const body = await res.arrayBuffer();
    assert.ok(body.byteLength > 0, url);
    if (url === '/docs/init.js') {
      const script = new TextDecoder().decode(body);
      assert.match(script, /url: '\/openapi\.json'/, 'pointed at this API’s document');
      assert.match(script, /validatorUrl: null/, 'the document is not sent to an online validator');
      assert.doesNotMatch(script, /https?:\/\//, 'no external origin');
    }
  }

  // The document it shows has the bearer scheme "Authorize" fills in, and no server of its own.
  const document = (await (await request('GET', '/openapi.json')).json()) as {
    servers?: unknown;
    components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  };
  assert.deepEqual(
    { ...document.components.securitySchemes.bearer, description: undefined },
    {
      type: 'http',
      scheme: 'bearer',
      description: undefined,
    },
  );
  assert.equal(document.servers, undefined, '"Try it out" calls the origin the page came from');
});

test('only the files the page needs are served from the Swagger UI package', async (t) => {
  const { request } = await appWithoutTemporal(t, TokenStore.fromTokens([]));
  for (const name of ['index.html', 'package.json', '..%2Fpackage.json', 'swagger-initializer.js', 'constructor']) {
    await expectProblem(await request('GET', `/docs/assets/${name}`), 404, 'not-found');
  }
});
