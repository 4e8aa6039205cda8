import { z } from 'zod';

/**
 * String formats whose OpenAPI entry states what the validator accepts. zod checks a format with
 * its own regular expression while the generated document would only name the format (`email`,
 * `date-time`: RFC 5321, RFC 3339), a larger language than zod's; so each carries zod's pattern.
 * Patterns are ECMAScript regular expressions and lengths count UTF-16 code units, as zod does.
 */

type Format = z.ZodStringFormat;
const withOwnPattern = <S extends Format>(schema: S): S => schema.meta({ pattern: schema._zod.def.pattern!.source });

/** An instant with its UTC offset or `Z`, seconds required (RFC 3339 as zod reads it: no leap seconds). */
export const isoDateTime = () => withOwnPattern(z.iso.datetime({ offset: true }));

/** A calendar date, YYYY-MM-DD. */
export const isoDate = (params?: Parameters<typeof z.iso.date>[0]) => withOwnPattern(z.iso.date(params));

/** An email address, as zod's `z.email()` reads one. */
export const email = () => withOwnPattern(z.email());

/** A URL label, an IPv4 address, a port: the parts of `HTTP_URL` below. */
const LABEL = '[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*';
const TOP_LABEL = '[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*';
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|\\d{1,4})';
/**
 * The http(s) URLs the document promises: a WHATWG URL parser (what zod's `z.url()` uses) reads
 * every one of them as an http(s) URL. It reads some others too (IPv6 hosts, user info,
 * internationalised names), which no regular expression states exactly; those are accepted but
 * not promised.
 */
const HTTP_URL = `^[Hh][Tt][Tt][Pp][Ss]?://(?:(?:${LABEL}\\.)*${TOP_LABEL}|(?:${OCTET}\\.){3}${OCTET})(?::${PORT})?(?:[/?#][!-~]*)?$`;

/** An absolute http or https URL. */
export const httpUrl = (params: { error?: string } = {}) =>
  z.url({ protocol: /^https?$/, ...params }).meta({
    pattern: HTTP_URL,
    description:
      'An absolute http(s) URL. Every URL matching the pattern is accepted; so are other URLs a WHATWG URL parser reads as http(s) (IPv6 hosts, user info, internationalised domain names).',
  });

/**
 * Text PostgreSQL can keep: well-formed UTF-16 (no half of a surrogate pair on its own) and no NUL,
 * both of which jsonb refuses; refused here as invalid rather than failing on the way in.
 */
const STORABLE = /^(?:[^\0\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;
const STORABLE_MESSAGE = 'text without NUL characters or unpaired surrogates';

/** Any text that can be stored. */
export const storableText = () => z.string().regex(STORABLE, STORABLE_MESSAGE);

/**
 * Free text: surrounding whitespace is trimmed away, and 1 to `max` characters must remain. The
 * pattern states both (JS `\s` is exactly what `String.prototype.trim` removes). The raw string
 * may be longer than `max` by its surrounding whitespace, so the entry is this one alone, not the
 * `maxLength` the generator would add (a `type` in the metadata replaces the generated entry; a
 * `.nullable()` of it would have to say `null` again).
 */
export function trimmedText(max: number) {
  return storableText()
    .trim()
    .min(1)
    .max(max)
    .meta({
      type: 'string',
      minLength: 1,
      pattern: max === 1 ? '^\\s*\\S\\s*$' : `^\\s*\\S(?:[\\s\\S]{0,${max - 2}}\\S)?\\s*$`,
      allOf: [{ pattern: STORABLE.source }],
    });
}
