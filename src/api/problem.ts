import { z } from 'zod';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * RFC 9457 problem details: every error the API answers, whatever its cause, has this shape and
 * the `application/problem+json` media type.
 */
export const PROBLEM_BASE = 'https://baton.dev/problems/';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export const FieldErrorSchema = z
  .object({
    path: z.string().meta({ description: 'Dot path of the offending field, e.g. `company.employees`; empty for the whole body.' }),
    message: z.string(),
  })
  .meta({ id: 'FieldError' });
export type FieldError = z.infer<typeof FieldErrorSchema>;

export const ProblemSchema = z
  .object({
    type: z.url().meta({ example: `${PROBLEM_BASE}validation` }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof ProblemSchema>;

/** The kinds of problem the API reports, with their status and title. */
const KINDS = {
  'malformed-request': { status: 400, title: 'Malformed request' },
  'unsupported-media-type': { status: 400, title: 'Unsupported media type' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'refused-transition': { status: 409, title: 'Refused transition' },
  'handoff-closed': { status: 409, title: 'Hand-off closed' },
  'duplicate-handoff': { status: 409, title: 'Hand-off id already used' },
  'roster-conflict': { status: 409, title: 'Roster conflict' },
  'policy-conflict': { status: 409, title: 'Policy conflict' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  validation: { status: 422, title: 'Validation failed' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;
export type ProblemKind = keyof typeof KINDS;

/** Thrown anywhere in a request; the app's error handler answers it as problem+json. */
export class ProblemError extends Error {
  readonly kind: ProblemKind;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;

  constructor(kind: ProblemKind, detail: string, opts: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProblemError';
    this.kind = kind;
    this.errors = opts.errors;
    this.headers = opts.headers;
  }

  get status(): ContentfulStatusCode {
    return KINDS[this.kind].status;
  }

  toProblem(): Problem {
    return {
      type: `${PROBLEM_BASE}${this.kind}`,
      title: KINDS[this.kind].title,
      status: this.status,
      detail: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export function problemResponse(c: Context, problem: ProblemError): Response {
  for (const [name, value] of Object.entries(problem.headers ?? {})) c.header(name, value);
  return c.body(JSON.stringify(problem.toProblem()), problem.status, { 'Content-Type': PROBLEM_MEDIA_TYPE });
}

/** Zod issues as `{path, message}`; an unknown field is reported at its own path. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...base, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: base.join('.'), message: issue.message }];
  });
}

function describeErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ');
}

/**
 * The validation hook every router shares, so every validation failure has the same shape:
 * a body or query that parses but breaks the schema is 422; a path id that cannot exist is 404.
 */
export function validationHook(result: { target: string; success: true } | { target: string; success: false; error: z.ZodError }): void {
  if (result.success) return;
  const errors = fieldErrors(result.error);
  if (result.target === 'param') throw new ProblemError('not-found', 'no such hand-off');
  const where = result.target === 'json' ? 'body' : result.target;
  throw new ProblemError('validation', `invalid request ${where}: ${describeErrors(errors)}`, { errors });
}

/** OpenAPI response entries for the given problem statuses. */
export function problemResponses(
  ...kinds: ProblemKind[]
): Record<number, { description: string; content: Record<string, { schema: typeof ProblemSchema }> }> {
  const out: Record<number, { description: string; content: Record<string, { schema: typeof ProblemSchema }> }> = {};
  for (const kind of kinds) {
    const { status, title } = KINDS[kind];
    const previous = out[status];
    out[status] = {
      description: previous ? `${previous.description}; ${title.toLowerCase()}` : title,
      content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
    };
  }
  return out;
}
