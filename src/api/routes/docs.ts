import { Hono } from 'hono';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AppEnv } from '../router.js';
import { ProblemError } from '../problem.js';

/**
 * The interactive API reference (`GET /docs`): Swagger UI from the installed `swagger-ui-dist`,
 * served by the API itself (no CDN) and pointed at `/openapi.json`. "Authorize" takes a bearer
 * token and "Try it out" calls this API with it. No inline script: the initializer is a file of
 * its own, so a `script-src 'self'` policy allows the page. Like `/openapi.json`, no token.
 */
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist the page loads, and nothing else from that directory. */
const ASSETS: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * Starts Swagger UI on the page. `validatorUrl: null`: otherwise it sends the document to
 * validator.swagger.io for a badge.
 */
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    displayRequestDuration: true,
  });
});
`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Baton API reference</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

/** The assets do not change while the process runs (the installed version is pinned). */
const CACHE = 'public, max-age=86400';

export function docsRoutes(): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  const files = new Map<string, Promise<Buffer>>();

  router.get('/', (c) => c.html(PAGE, 200, { 'Cache-Control': 'no-cache' }));

  router.get('/init.js', (c) =>
    c.body(INITIALIZER, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }),
  );

  router.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) throw new ProblemError('not-found', `no asset ${name}`);
    let file = files.get(name);
    if (!file) {
      file = readFile(path.join(SWAGGER_UI_DIR, name));
      // A failed read is not kept: the next request tries again.
      file.catch(() => files.delete(name));
      files.set(name, file);
    }
    return c.body(new Uint8Array(await file), 200, { 'Content-Type': type, 'Cache-Control': CACHE, 'X-Content-Type-Options': 'nosniff' });
  });

  return router;
}
