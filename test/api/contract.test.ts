/**
 * The API contract (issue 13): `/openapi.json` states every constraint the validators enforce.
 * Requests for every operation are generated from the document itself, with a small JSON Schema →
 * fast-check converter for the part of JSON Schema the document uses. No request the document
 * allows may be refused as invalid (422) — nor for a role or a body it did allow — and no request it
 * forbids (mutated from an allowed one) may get a 5xx.
 *
 * Temporal is a stand-in behind a real SDK client: it is ready, listings answer an empty page with
 * a next-page token, a hand-off submission finds Temporal unavailable (503), every other call finds
 * no such workflow (404). It counts its calls, which tells a request that passed validation from one that
 * was refused before it.
 */
import { Client, type ConnectionLike } from '@temporalio/client';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { after, before, test } from 'node:test';
import { DateTime } from 'luxon';
import { createApp } from '../../src/api/app.js';
import { TokenStore } from '../../src/api/auth.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { Role } from '../../src/domain/actions.js';
import { PolicySchema, type PolicyInput } from '../../src/domain/policy.js';
import { readPolicyFile } from '../../src/policy/file.js';
import { testDatabase } from '../support/db.js';
import { requestApp } from './http.js';

/** Runs per operation, for allowed and for forbidden requests each. */
const RUNS = 100;
/** The body limit the document's introduction states. */
const MAX_BODY_BYTES = 64 * 1024;

type Schema = boolean | { [keyword: string]: unknown };
type SchemaObject = Exclude<Schema, boolean>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}
interface Operation {
  operationId: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Endpoint {
  method: string;
  path: string;
  op: Operation;
}
interface Req {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body?: unknown;
}

const TOKENS: Record<Role, string> = { sdr: 'tok-sdr', ae: 'tok-ae', manager: 'tok-mgr', ops: 'tok-ops', admin: 'tok-admin' };

/** Who calls each operation: a role the route allows, so that roles mask nothing. */
const CALLER: Record<string, Role | null> = {
  liveness: null,
  readiness: null,
  submitHandoff: 'sdr',
  listHandoffs: 'manager',
  getHandoff: 'manager',
  getHandoffRouting: 'ops',
  getHandoffNotifications: 'manager',
  updateChecklist: 'sdr',
  acceptHandoff: 'ae',
  rejectHandoff: 'ae',
  contactedHandoff: 'ae',
  outcomeHandoff: 'ae',
  feedbackHandoff: 'ae',
  withdrawHandoff: 'sdr',
  recordBookingAttempt: 'sdr',
  escalateHandoff: 'manager',
  reassignHandoff: 'ops',
  returnToSdrHandoff: 'manager',
  listAes: 'ops',
  createAe: 'manager',
  getAe: 'ops',
  updateAe: 'admin',
  deleteAe: 'manager',
  getAeAudit: 'manager',
  previewScore: 'sdr',
  listWebhooks: 'admin',
  createWebhook: 'admin',
  getWebhook: 'admin',
  deleteWebhook: 'admin',
  listWebhookDeliveries: 'admin',
  replayWebhookDelivery: 'admin',
  getMetrics: 'manager',
  getWeeklyReport: 'manager',
  listPolicies: 'ops',
  createPolicy: 'manager',
  getPolicy: 'ops',
  diffPolicy: 'manager',
  publishPolicy: 'admin',
  simulatePolicy: 'manager',
};

// ---------------------------------------------------------------------------------------------
// The Temporal stand-in

const GRPC = { NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

function grpcError(code: number, details: string): Error {
  // grpc-js's Metadata, as far as the SDK reads it.
  const metadata = { get: () => [], getMap: () => ({}) };
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

function temporalStandIn(): { client: Client; calls: () => number } {
  let calls = 0;
  const workflowService = new Proxy(
    {},
    {
      get: (_target, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return (): Promise<unknown> => {
          calls++;
          if (method === 'listWorkflowExecutions') return Promise.resolve({ executions: [], nextPageToken: Buffer.from('next-page') });
          if (method === 'getSystemInfo') return Promise.resolve({ serverVersion: 'stand-in' });
          if (method === 'describeNamespace') return Promise.resolve({});
          if (method === 'executeMultiOperation') return Promise.reject(grpcError(GRPC.UNAVAILABLE, 'stand-in: Temporal is unavailable'));
          return Promise.reject(grpcError(GRPC.NOT_FOUND, 'stand-in: workflow not found'));
        };
      },
    },
  );
  const connection = {
    workflowService,
    operatorService: {},
    plugins: [],
    close: () => Promise.resolve(),
    ensureConnected: () => Promise.resolve(),
    withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
    withMetadata: <R>(_metadata: unknown, fn: () => Promise<R>) => fn(),
    withAbortSignal: <R>(_signal: AbortSignal, fn: () => Promise<R>) => fn(),
  } as unknown as ConnectionLike;
  return { client: new Client({ connection, namespace: 'default' }), calls: () => calls };
}

// ---------------------------------------------------------------------------------------------
// JSON Schema: the validator and the generator, for the part of JSON Schema the document uses

let doc: Document;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const REF_PREFIX = '#/components/schemas/';

function target(ref: string): Schema {
  assert.ok(ref.startsWith(REF_PREFIX), `unsupported $ref ${ref}`);
  const schema = doc.components.schemas[ref.slice(REF_PREFIX.length)];
  assert.ok(schema !== undefined, `unresolved $ref ${ref}`);
  return schema;
}

const regexes = new Map<string, RegExp>();
/** Patterns as the document's introduction says: ECMAScript, no `u` flag. */
function regex(pattern: string): RegExp {
  let re = regexes.get(pattern);
  if (!re) regexes.set(pattern, (re = new RegExp(pattern)));
  return re;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  return v;
}

function hasType(type: unknown, v: unknown): boolean {
  switch (type) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return typeof v === 'string';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    default:
      throw new Error(`unsupported type ${String(type)}`);
  }
}

/** `HH:MM-HH:MM` intervals, none overlapping (the document's `x-non-overlapping-intervals`). */
function disjoint(intervals: unknown[]): boolean {
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const spans = intervals.map((i) => String(i)).map((i) => [minutes(i.slice(0, 5)), minutes(i.slice(6, 11))] as const);
  return spans.every(([from, to], i) => spans.every(([f, t], j) => i === j || !(from < t && f < to)));
}

const KNOWN = new Set([
  ...['$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties'],
  ...['items', 'minItems', 'maxItems', 'uniqueItems', 'minLength', 'maxLength', 'pattern', 'format'],
  ...['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else'],
  ...['description', 'example', 'examples', 'default', 'title', 'x-non-overlapping-intervals', 'x-policy-document'],
]);

/** Whether `v` is valid against `schema` (JSON Schema 2020-12, the keywords above). */
function valid(schema: Schema, v: unknown): boolean {
  if (typeof schema === 'boolean') return schema;
  const s = schema;
  for (const key of Object.keys(s)) assert.ok(KNOWN.has(key), `the converter does not know the keyword ${key}`);
  if (typeof s.$ref === 'string' && !valid(target(s.$ref), v)) return false;
  if (s.type !== undefined && !(Array.isArray(s.type) ? s.type : [s.type]).some((t) => hasType(t, v))) return false;
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v))) return false;
  if ('const' in s && !deepEqual(s.const, v)) return false;
  if (typeof v === 'string') {
    if (typeof s.minLength === 'number' && v.length < s.minLength) return false;
    if (typeof s.maxLength === 'number' && v.length > s.maxLength) return false;
    if (typeof s.pattern === 'string' && !regex(s.pattern).test(v)) return false;
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) return false;
    if (typeof s.maximum === 'number' && v > s.maximum) return false;
    if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) return false;
    if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) return false;
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) return false;
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) return false;
    if (s.items !== undefined && !v.every((item) => valid(s.items as Schema, item))) return false;
    if (s.uniqueItems === true && new Set(v.map((item) => JSON.stringify(canonical(item)))).size !== v.length) return false;
    if (s['x-non-overlapping-intervals'] === true && !disjoint(v)) return false;
  }
  if (isObject(v)) {
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    if (Array.isArray(s.required) && !s.required.every((k) => Object.hasOwn(v, k as string))) return false;
    for (const [key, value] of Object.entries(v)) {
      if (Object.hasOwn(properties, key)) {
        if (!valid(properties[key]!, value)) return false;
      } else if (s.additionalProperties !== undefined && !valid(s.additionalProperties as Schema, value)) return false;
    }
    if (typeof s.minProperties === 'number' && Object.keys(v).length < s.minProperties) return false;
    if (typeof s.maxProperties === 'number' && Object.keys(v).length > s.maxProperties) return false;
  }
  if (Array.isArray(s.allOf) && !s.allOf.every((sub) => valid(sub as Schema, v))) return false;
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => valid(sub as Schema, v))) return false;
  if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => valid(sub as Schema, v)).length !== 1) return false;
  if (s.not !== undefined && valid(s.not as Schema, v)) return false;
  if (s.if !== undefined) {
    const branch = valid(s.if as Schema, v) ? s.then : s.else;
    if (branch !== undefined && !valid(branch as Schema, v)) return false;
  }
  if (s['x-policy-document'] === true && !PolicySchema.safeParse({ version: 'label', ...(v as object) }).success) return false;
  return true;
}

/**
 * Policy documents (the document's `x-policy-document`: the policy schema's cross-field rules are
 * said in words): the shipped one with its threshold, a tier window and its label varied.
 */
const SHIPPED_POLICY = parseYaml(readFileSync(path.join(repoRoot, 'policy', 'default.yaml'), 'utf8')) as PolicyInput;
const policyDocuments: fc.Arbitrary<unknown> = fc
  .record({
    threshold: fc.integer({ min: 0, max: 100 }),
    hotWindow: fc.constantFrom('2h', '4h', 'PT3H', '90m'),
    label: fc.option(fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/), { nil: undefined }),
  })
  .map(({ threshold, hotWindow, label }) => {
    const { version: _shipped, ...doc } = structuredClone(SHIPPED_POLICY);
    doc.scoring.threshold = threshold;
    doc.tiers.hot.handoffWindow = hotWindow;
    return label === undefined ? doc : { ...doc, version: label };
  });

/** Characters for free text: mostly ASCII, some of the whole of Unicode, now and then half a surrogate pair. */
const textUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
);

const SAFE = Number.MAX_SAFE_INTEGER;

function integers(s: SchemaObject): fc.Arbitrary<number> {
  let min = typeof s.minimum === 'number' ? Math.ceil(s.minimum) : -SAFE;
  let max = typeof s.maximum === 'number' ? Math.floor(s.maximum) : SAFE;
  if (typeof s.exclusiveMinimum === 'number') min = Math.max(min, Math.floor(s.exclusiveMinimum) + 1);
  if (typeof s.exclusiveMaximum === 'number') max = Math.min(max, Math.ceil(s.exclusiveMaximum) - 1);
  min = Math.max(min, -SAFE);
  max = Math.min(max, SAFE);
  const any = fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
  const small = fc.integer({ min: Math.max(min, -100), max: Math.min(max, Math.max(min, -100) + 200) });
  return fc.oneof(small, any, fc.constantFrom(min, max));
}

function numbers(s: SchemaObject): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : -Number.MAX_VALUE;
  const max = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : Number.MAX_VALUE;
  return fc
    .oneof(
      fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
      integers({ minimum: Math.max(min, -1e6), maximum: Math.min(max, 1e6) }),
      fc.constantFrom(min, max),
    )
    .filter((n) => valid(s, n));
}

function strings(s: SchemaObject): fc.Arbitrary<string> {
  if (typeof s.pattern === 'string') return fc.stringMatching(regex(s.pattern));
  const minLength = typeof s.minLength === 'number' ? s.minLength : 0;
  const maxLength = typeof s.maxLength === 'number' ? s.maxLength : undefined;
  assert.equal(s.format, undefined, `a ${String(s.format)} string without a pattern: the document should say which`);
  const some = fc.string({ unit: textUnit, minLength, maxLength: Math.min(maxLength ?? 40, Math.max(minLength, 40)) });
  // The longest allowed, too (counted in UTF-16 code units, as the document says).
  const longest = maxLength === undefined ? some : fc.string({ unit: 'grapheme-ascii', minLength: maxLength, maxLength });
  return fc.oneof({ weight: 4, arbitrary: some }, { weight: 1, arbitrary: longest });
}

function arrays(s: SchemaObject): fc.Arbitrary<unknown[]> {
  const items = s.items === undefined ? json : arb(s.items as Schema);
  const minLength = typeof s.minItems === 'number' ? s.minItems : 0;
  const max = typeof s.maxItems === 'number' ? s.maxItems : undefined;
  const maxLength = Math.min(max ?? 6, Math.max(minLength, 6));
  const some =
    s.uniqueItems === true
      ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(canonical(v)) })
      : fc.array(items, { minLength, maxLength });
  const full = max === undefined || max <= maxLength ? some : fc.array(items, { minLength: max, maxLength: max });
  return fc.oneof({ weight: 5, arbitrary: some }, { weight: 1, arbitrary: full });
}

function objects(s: SchemaObject): fc.Arbitrary<Record<string, unknown>> {
  const properties = (s.properties ?? {}) as Record<string, Schema>;
  const required = (Array.isArray(s.required) ? s.required : []) as string[];
  // A property no value satisfies (`false`, `not: {}`) is one the object may not have.
  const never = (p: Schema) => p === false || (isObject(p) && isObject(p.not) && Object.keys(p.not).length === 0);
  const model = Object.fromEntries(
    Object.entries(properties)
      .filter(([, p]) => !never(p))
      .map(([k, p]) => [k, arb(p)]),
  );
  for (const key of required) if (!(key in model)) model[key] = json;
  return fc.record(model, { requiredKeys: required });
}

const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

/**
 * Keywords a value is generated from; the others (allOf, not, if/then/else, minProperties, the
 * non-overlapping intervals) only narrow it: `arb` filters what was generated by the whole schema.
 */
const GENERATIVE = ['$ref', 'type', 'enum', 'const', 'properties', 'items', 'pattern'];

const arbitraries = new Map<Schema, fc.Arbitrary<unknown>>();

/** Values valid against `schema`. */
function arb(schema: Schema): fc.Arbitrary<unknown> {
  let found = arbitraries.get(schema);
  if (!found) arbitraries.set(schema, (found = build(schema).filter((v) => valid(schema, v))));
  return found;
}

function build(schema: Schema): fc.Arbitrary<unknown> {
  if (schema === true) return json;
  assert.ok(schema !== false, 'no value is valid against false');
  const s = schema;
  const generative = GENERATIVE.some((k) => k in s);
  if (typeof s.$ref === 'string') return arb(target(s.$ref));
  if (s['x-policy-document'] === true) return policyDocuments;
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches && !generative) {
    const { anyOf: _a, oneOf: _o, ...rest } = s;
    return fc.oneof(...branches.map((b) => (typeof b === 'boolean' ? arb(b) : build({ ...rest, ...b }))));
  }
  if (!generative && Array.isArray(s.allOf)) {
    const [first, ...more] = s.allOf as Schema[];
    const { allOf: _allOf, ...rest } = s;
    return build(typeof first === 'boolean' ? first : { ...rest, ...first, allOf: more });
  }
  const types =
    s.type === undefined ? [s.properties ? 'object' : s.items ? 'array' : undefined] : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length > 1) return fc.oneof(...types.map((t) => build({ ...s, type: t })));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return integers(s);
    case 'number':
      return numbers(s);
    case 'string':
      return strings(s);
    case 'array':
      return arrays(s);
    case 'object':
      return objects(s);
    case undefined:
      if (s.pattern !== undefined) return strings(s);
      return json;
    default:
      throw new Error(`unsupported type ${String(types[0])}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

const bodySchema = (op: Operation): Schema | undefined => op.requestBody?.content['application/json']?.schema;
const paramsIn = (op: Operation, where: Parameter['in']) => (op.parameters ?? []).filter((p) => p.in === where);

/** A query value as the document's parameter schema reads it (the query carries text). */
function queryValueValid(schema: Schema, text: string): boolean {
  const s = typeof schema === 'object' && typeof schema.$ref === 'string' ? target(schema.$ref) : schema;
  const type = typeof s === 'object' ? s.type : undefined;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(text) && valid(schema, Number(text));
  return valid(schema, text);
}

function requestValid(endpoint: Endpoint, req: Req): boolean {
  const { op } = endpoint;
  for (const p of paramsIn(op, 'path')) if (!(p.name in req.params) || !valid(p.schema, req.params[p.name])) return false;
  const query = paramsIn(op, 'query');
  for (const p of query) if (p.required && !(p.name in req.query)) return false;
  for (const [name, value] of Object.entries(req.query)) {
    const p = query.find((q) => q.name === name);
    if (!p || !queryValueValid(p.schema, String(value))) return false;
  }
  const body = bodySchema(op);
  if (body !== undefined && !valid(body, req.body)) return false;
  return body === undefined || JSON.stringify(req.body).length <= MAX_BODY_BYTES;
}

/**
 * Rules the document can only say in words, applied to generated requests: `getMetrics`'s range
 * (`from` not after `to`, at most 731 days, the defaults included), `listHandoffs`' page token
 * (only a nextPageToken of the same listing: the property fetches one first), `simulatePolicy`'s range
 * (as `getMetrics`'), and `createPolicy`'s `basedOn` (a saved version).
 */
const RULES: Record<string, (req: Req) => fc.Arbitrary<Req>> = {
  getMetrics: (req) =>
    fc.integer({ min: 0, max: 730 }).map((days) => {
      const query = { ...req.query };
      if (typeof query.from === 'string') {
        // The day before yesterday in UTC is before today in every zone.
        const to = typeof query.to === 'string' ? DateTime.fromISO(query.to, { zone: 'UTC' }) : DateTime.utc().minus({ days: 2 });
        const from = to.minus({ days: typeof query.to === 'string' ? days : Math.max(0, days - 2) }).toISODate();
        query.from = from ?? query.from;
      }
      return { ...req, query };
    }),
  // `basedOn` must name a saved version, and the contract's catalog has none.
  createPolicy: (req) => {
    const { basedOn: _unknown, ...body } = req.body as Record<string, unknown>;
    return fc.constant({ ...req, body });
  },
  simulatePolicy: (req) =>
    fc.integer({ min: 0, max: 730 }).map((days) => {
      const body = { ...(req.body as Record<string, unknown>) };
      if (typeof body.from === 'string') {
        const to = typeof body.to === 'string' ? DateTime.fromISO(body.to, { zone: 'UTC' }) : DateTime.utc().minus({ days: 2 });
        body.from = to.minus({ days: typeof body.to === 'string' ? days : Math.max(0, days - 2) }).toISODate() ?? body.from;
      }
      return { ...req, body };
    }),
};

/** A URL carries UTF-8: text with half a surrogate pair has no spelling in one. */
const inUrl = (v: unknown) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(String(v));

function requestArb(endpoint: Endpoint): fc.Arbitrary<Req> {
  const { op } = endpoint;
  const params = fc.record(Object.fromEntries(paramsIn(op, 'path').map((p) => [p.name, arb(p.schema).filter(inUrl).map(String)])));
  const query = fc.record(Object.fromEntries(paramsIn(op, 'query').map((p) => [p.name, arb(p.schema).filter(inUrl)])), {
    requiredKeys: paramsIn(op, 'query')
      .filter((p) => p.required)
      .map((p) => p.name),
  });
  const body = bodySchema(op);
  const request = fc.record({ params, query, ...(body === undefined ? {} : { body: arb(body) }) }) as fc.Arbitrary<Req>;
  const rule = RULES[op.operationId];
  return (rule ? request.chain(rule) : request).filter((req) => requestValid(endpoint, req));
}

function url(endpoint: Endpoint, req: Req): string {
  const pathname = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(req.params[name] ?? ''));
  const search = new URLSearchParams(Object.entries(req.query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return search ? `${pathname}?${search}` : pathname;
}

// ---------------------------------------------------------------------------------------------
// Mutations: requests the document forbids

/** How a forbidden request was made; for the first ones the validators and the document agree exactly. */
type MutationKind = 'type' | 'missing' | 'extra' | 'range' | 'body' | 'pattern' | 'query';
const REFUSED_FOR_SURE: MutationKind[] = ['type', 'missing', 'extra', 'range', 'body'];

interface Site {
  path: (string | number)[];
  schema: Schema;
  value: unknown;
}

/** Every value in a body with the schema it was generated for. */
function sites(schema: Schema, value: unknown, at: (string | number)[] = []): Site[] {
  const here: Site = { path: at, schema, value };
  if (typeof schema === 'boolean') return [here];
  const s = typeof schema.$ref === 'string' ? target(schema.$ref) : schema;
  if (typeof s === 'boolean') return [here];
  const out = [here];
  if (isObject(value) && s.properties) {
    for (const [key, v] of Object.entries(value)) {
      const sub = (s.properties as Record<string, Schema>)[key];
      if (sub !== undefined) out.push(...sites(sub, v, [...at, key]));
    }
  }
  if (Array.isArray(value) && s.items !== undefined) value.forEach((v, i) => out.push(...sites(s.items as Schema, v, [...at, i])));
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown, remove = false): unknown {
  if (at.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = at.at(-1)!;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

const WRONG_TYPES: unknown[] = [null, true, 0, 1.5, -7, 'x', '', [], {}, [1, 'a'], { junk: 1 }];

/** Values just outside a schema's bounds, where it has any. */
function outOfRange(schema: Schema): unknown[] {
  const s = typeof schema === 'object' && typeof schema.$ref === 'string' ? target(schema.$ref) : schema;
  if (typeof s === 'boolean') return [];
  const out: unknown[] = [];
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (typeof s.minimum === 'number') out.push(s.minimum - 1, s.minimum - 0.5);
  if (typeof s.maximum === 'number') out.push(s.maximum + 1, s.maximum * 2 + 1);
  if (typeof s.exclusiveMinimum === 'number') out.push(s.exclusiveMinimum);
  if (types.includes('integer')) out.push(2.5, 2 ** 60);
  if (typeof s.maxLength === 'number') out.push('y'.repeat(s.maxLength + 1));
  if (typeof s.minLength === 'number' && s.minLength > 0) out.push('');
  if (typeof s.maxItems === 'number' && s.items !== undefined) out.push(Array.from({ length: s.maxItems + 1 }, () => 'z'));
  if (Array.isArray(s.enum)) out.push('not-in-the-enum', `${String(s.enum[0])} `);
  return out;
}

function mutations(endpoint: Endpoint, req: Req): fc.Arbitrary<{ kind: MutationKind; req: Req }> {
  const { op } = endpoint;
  const options: fc.Arbitrary<{ kind: MutationKind; req: Req }>[] = [];
  const body = bodySchema(op);
  if (body !== undefined) {
    const all = sites(body, req.body);
    const pick = fc.constantFrom(...all);
    options.push(
      fc
        .tuple(pick, fc.constantFrom(...WRONG_TYPES))
        .map(([site, v]) => ({ kind: 'type', req: { ...req, body: setAt(req.body, site.path, v) } })),
      fc.constantFrom(...['not json', 42, null, [req.body], 'x'.repeat(10)]).map((v) => ({ kind: 'body', req: { ...req, body: v } })),
    );
    const objectSites = all.filter((site) => isObject(site.value));
    if (objectSites.length > 0) {
      options.push(
        fc.tuple(fc.constantFrom(...objectSites), fc.constantFrom('junk', 'handoffID', '__proto__x', 'extra field')).map(([site, key]) => ({
          kind: 'extra',
          req: { ...req, body: setAt(req.body, [...site.path, key], 'junk') },
        })),
      );
      const requiredSites = objectSites.flatMap((site) => {
        const s = typeof site.schema === 'object' && typeof site.schema.$ref === 'string' ? target(site.schema.$ref) : site.schema;
        const required = typeof s === 'object' && Array.isArray(s.required) ? (s.required as string[]) : [];
        return required.map((key) => [...site.path, key]);
      });
      if (requiredSites.length > 0)
        options.push(
          fc.constantFrom(...requiredSites).map((at) => ({ kind: 'missing', req: { ...req, body: setAt(req.body, at, undefined, true) } })),
        );
    }
    const ranged = all.flatMap((site) => outOfRange(site.schema).map((v) => [site.path, v] as const));
    if (ranged.length > 0)
      options.push(fc.constantFrom(...ranged).map(([at, v]) => ({ kind: 'range', req: { ...req, body: setAt(req.body, at, v) } })));
    const patterned = all.filter((site) => typeof site.value === 'string');
    if (patterned.length > 0)
      options.push(
        fc
          .tuple(fc.constantFrom(...patterned), fc.string({ unit: textUnit, maxLength: 12 }))
          .map(([site, v]) => ({ kind: 'pattern', req: { ...req, body: setAt(req.body, site.path, v) } })),
      );
  }
  const path = paramsIn(op, 'path');
  if (path.length > 0)
    options.push(
      fc
        .tuple(fc.constantFrom(...path), fc.string({ unit: 'grapheme', maxLength: 140 }))
        .map(([p, v]) => ({ kind: 'pattern', req: { ...req, params: { ...req.params, [p.name]: v } } })),
    );
  const query = paramsIn(op, 'query');
  options.push(
    fc
      .tuple(fc.constantFrom('junk', 'colour', 'stage[]'), fc.string({ maxLength: 8 }))
      .map(([name, v]) => ({ kind: 'query', req: { ...req, query: { ...req.query, [name]: v } } })),
  );
  if (query.length > 0)
    options.push(
      fc
        .tuple(
          fc.constantFrom(...query),
          fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('0', '-1', '1.5', '101', 'true', '')),
        )
        .map(([p, v]) => ({ kind: 'query', req: { ...req, query: { ...req.query, [p.name]: v } } })),
    );
  // Judged as sent: JSON has no Infinity or NaN (they arrive as null, which may well be allowed).
  return fc
    .oneof(...options)
    .map(({ kind, req: mutated }) => ({
      kind,
      req: mutated.body === undefined ? mutated : { ...mutated, body: JSON.parse(JSON.stringify(mutated.body)) as unknown },
    }))
    .filter(({ req: mutated }) => !requestValid(endpoint, mutated));
}

// ---------------------------------------------------------------------------------------------
// The app

let app: ReturnType<typeof createApp>;
let db: Database;
let temporal: ReturnType<typeof temporalStandIn>;
let sent = 0;

before(async () => {
  db = await testDatabase();
  temporal = temporalStandIn();
  const principals = TokenStore.fromTokens(
    (Object.entries(TOKENS) as [Role, string][]).map(([role, token]) => ({ id: `${role}-1`, role, name: role, token })),
  );
  app = createApp({
    client: temporal.client,
    config: loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused') }),
    policy: await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml')),
    principals,
    db,
  });
  const res = await app.request('/openapi.json');
  assert.equal(res.status, 200);
  doc = (await res.json()) as Document;
});

after(() => db.close());

async function send(endpoint: Endpoint, req: Req): Promise<{ res: Response; text: string }> {
  const role = CALLER[endpoint.op.operationId];
  const token = role ? TOKENS[role] : undefined;
  const hasBody = bodySchema(endpoint.op) !== undefined && req.body !== undefined;
  sent++;
  const res = await requestApp(app, endpoint.method.toUpperCase(), url(endpoint, req), hasBody ? { token, body: req.body } : { token });
  return { res, text: await res.text() };
}

/** `listHandoffs` with a page token: the token of the first page of the same listing. */
async function withRealPageToken(endpoint: Endpoint, req: Req): Promise<Req> {
  if (endpoint.op.operationId !== 'listHandoffs' || req.query.pageToken === undefined) return req;
  const { pageToken: _drop, ...query } = req.query;
  const { res, text } = await send(endpoint, { ...req, query });
  assert.equal(res.status, 200, text);
  const next = (JSON.parse(text) as { nextPageToken: string | null }).nextPageToken;
  assert.ok(next, 'the stand-in always has a next page');
  return { ...req, query: { ...query, pageToken: next } };
}

function endpoints(): Endpoint[] {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, op]) => ({ method, path: p, op })),
  );
}

test('the document names a caller for every operation', () => {
  const ids = endpoints().map((e) => e.op.operationId);
  assert.deepEqual([...ids].sort(), Object.keys(CALLER).sort());
  for (const e of endpoints()) assert.equal(CALLER[e.op.operationId] === null, (e.op.security ?? []).length === 0, e.op.operationId);
});

test('every request the document allows passes validation; none it forbids gets a 5xx', async () => {
  const started = Date.now();
  const all = endpoints();
  for (const endpoint of all) {
    const { op } = endpoint;
    const touchesTemporal = (op.tags ?? []).includes('hand-offs') || op.operationId === 'readiness';

    await fc.assert(
      fc.asyncProperty(requestArb(endpoint), async (generated) => {
        const req = await withRealPageToken(endpoint, generated);
        const before = temporal.calls();
        const { res, text } = await send(endpoint, req);
        const what = `${endpoint.method.toUpperCase()} ${url(endpoint, req)} ${JSON.stringify(req.body)} → ${res.status} ${text}`;
        assert.notEqual(res.status, 422, `allowed by the document, refused as invalid: ${what}`);
        assert.ok(![400, 401, 403, 405, 413, 415].includes(res.status), `allowed by the document, refused: ${what}`);
        assert.ok(String(res.status) in op.responses, `an answer the document does not list: ${what}`);
        if (res.status >= 500) {
          assert.equal(res.status, 503, what);
          assert.ok(touchesTemporal && temporal.calls() > before, `503 without asking Temporal: ${what}`);
        }
        // Validation let it through to Temporal: what came back (404, 503) is Temporal's answer.
        if (touchesTemporal) assert.ok(temporal.calls() > before, `never reached Temporal: ${what}`);
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );

    await fc.assert(
      fc.asyncProperty(
        requestArb(endpoint).chain((req) => mutations(endpoint, req)),
        async ({ kind, req }) => {
          const before = temporal.calls();
          const { res, text } = await send(endpoint, req);
          const what = `[${kind}] ${endpoint.method.toUpperCase()} ${url(endpoint, req)} ${JSON.stringify(req.body)} → ${res.status} ${text}`;
          // A 503 may only be the stand-in's own answer, to a request that reached it.
          const passedThrough = res.status === 503 && temporal.calls() > before;
          assert.ok(res.status < 500 || passedThrough, `forbidden by the document, answered with a 5xx: ${what}`);
          assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');
          if (REFUSED_FOR_SURE.includes(kind)) {
            assert.ok([400, 404, 422].includes(res.status), `forbidden by the document, not refused: ${what}`);
            assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
            assert.equal(temporal.calls(), before, `forbidden by the document, sent to Temporal: ${what}`);
          }
        },
      ),
      { numRuns: RUNS, includeErrorInReport: true },
    );
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`contract: ${sent} requests over ${all.length} operations in ${seconds} s`);
});
