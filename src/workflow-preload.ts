/**
 * The workflow bundle's shared modules (bundle option `preloadModules`; README "Worker capacity").
 *
 * With V8 context reuse each workflow evaluates the bundle's modules afresh and keeps its own copy
 * while it is cached; zod alone was over half of a cached hand-off's memory. The libraries loaded
 * here are evaluated once per worker thread, before any workflow, and every workflow uses them; the
 * SDK then deep-freezes them so that no workflow can leave state behind for another. Only stateless
 * code belongs here. Baton's own modules (`src/domain/`, `workflows/`) stay per workflow: their zod
 * schemas memoize onto themselves on first use, which a frozen object refuses.
 *
 * zod finishes its global configuration (the error messages' locale, the parse memoizer) when the
 * first schema is built, so this builds one now, before the freeze. Its format patterns reach the
 * workflows as fresh copies (src/workflow-regexes.cts): the check fails loudly if that is undone.
 */
import * as luxon from 'luxon';
import { z } from 'zod';

const probe = z.object({ email: z.email(), day: z.iso.date(), at: z.iso.datetime({ offset: true }), n: z.number().int().optional() });
if (probe.safeParse({ email: 'a@b.example', day: '2026-01-01', at: '2026-01-01T00:00:00Z' }).success !== true) {
  throw new Error('zod failed its start-up probe inside the workflow bundle');
}
if (z.regexes.email === z.regexes.email) {
  throw new Error("zod's format patterns are shared between workflows: bundle with src/worker.ts's workflowBundleOptions");
}
void luxon;

/** `src/domain/`'s modules once the first workflow has evaluated them (src/workflow-shared-domain.ts); the freeze leaves a Map's entries alone. */
export const sharedDomainModules = new Map<string, unknown>();
