import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { WOKEN_HEADER } from './routes/aes.js';

/**
 * The Content-Security-Policy of every answer. Baton's pages load everything from this origin
 * and run no inline script: the KPI page and the policy page (`/dashboard`, `/dashboard/policies`:
 * their bundled scripts and stylesheet, charts drawn on canvas or as SVG, data fetched from
 * `/dashboard/…`; they send a stricter policy of their own, which is kept) and the API reference (`/docs`: swagger-ui's script, stylesheet and initializer
 * served from the bundle; swagger-ui sets inline styles and draws icons from `data:` images, and
 * "Try it out" calls the API on this origin).
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};

/**
 * `hono/secure-headers` for the whole app: the policy above, no framing, no sniffing, HSTS (which
 * browsers honour over https only). A header a route sets itself (the KPI page's own, stricter
 * policy and its `Referrer-Policy: same-origin`) is kept.
 */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: 'DENY',
    overwrite: false,
  });
}

/** Response headers a browser script on another origin may read. */
const EXPOSED_HEADERS = ['Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'WWW-Authenticate', WOKEN_HEADER];

/**
 * CORS for browser apps on other origins (`BATON_CORS_ORIGINS`). Bearer tokens travel in a header,
 * never in cookies, so credentials are not allowed; a preflight is answered before authentication.
 */
export function corsFor(origins: string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes('*') ? '*' : origins,
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Accept'],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    credentials: false,
  });
}
