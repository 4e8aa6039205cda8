import type { MiddlewareHandler } from 'hono';
import { ProblemError } from './problem.js';

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Runs before a route's JSON validator so that every way a body can be unreadable is a 400
 * problem naming the cause: not JSON, missing, or malformed. With `optional`, an empty body counts
 * as `{}` (e.g. `POST …/accept` with nothing to say).
 */
export function jsonBody(opts: { optional?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    const contentType = c.req.header('Content-Type');
    const mediaType = contentType?.split(';')[0]?.trim() ?? '';
    const text = await c.req.text();
    const empty = text.trim() === '';
    if (contentType !== undefined && !JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ProblemError(
        'unsupported-media-type',
        `the body must be JSON (Content-Type: application/json), not ${mediaType || 'an empty media type'}`,
      );
    }
    if (empty) {
      if (!opts.optional) throw new ProblemError('malformed-request', 'a JSON body is required');
      // The validator reads `{}` for an empty optional body: without a content type it does so
      // itself; with a JSON one it would parse the empty text, so it is given `{}` to parse.
      if (contentType !== undefined) (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve('{}');
    } else {
      if (contentType === undefined) throw new ProblemError('unsupported-media-type', 'send the body with Content-Type: application/json');
      try {
        JSON.parse(text);
      } catch (err) {
        throw new ProblemError('malformed-request', `the body is not valid JSON: ${(err as Error).message}`);
      }
    }
    await next();
  };
}
