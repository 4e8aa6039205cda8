/**
 * Shares `src/domain/` between the workflows of a worker (README "Worker capacity"). Listed as a
 * workflow interceptor module, so each workflow loads it first, before its own code.
 *
 * With V8 context reuse each workflow evaluates the bundle's modules afresh (the SDK keeps them in
 * the workflow's own module cache) unless they were preloaded, and preloaded modules are frozen;
 * the domain's zod schemas cannot be (zod memoizes onto a schema on first use), and built per
 * workflow they were about 1 MiB of every cached hand-off and 10 ms of every start and replay. The
 * domain is pure by contract (DESIGN §2: data in, data out, no module-level state), so its modules
 * are evaluated by the first workflow that needs them and kept for the others in one cache that
 * outlives workflows; every other module stays per workflow, as the SDK keeps it.
 */
import { sharedDomainModules } from './workflow-preload.js';

interface ModuleCache {
  get(id: string): unknown;
  set(id: string, module: unknown): unknown;
}

/** webpack's id for a module under src/domain/ (a path from where the bundle was built). */
const DOMAIN_MODULE = /(^|\/)src\/domain\/.+\.ts$/;

// The workflow's activator (the SDK sets it before loading any workflow code) holds its module cache.
const activator = (globalThis as { __TEMPORAL_ACTIVATOR__?: { moduleCache?: Partial<ModuleCache> } }).__TEMPORAL_ACTIVATOR__;
const own = activator?.moduleCache;
if (activator && typeof own?.get === 'function' && typeof own.set === 'function') {
  const perWorkflow = own as ModuleCache;
  const cacheFor = (id: string): ModuleCache => (DOMAIN_MODULE.test(id) ? sharedDomainModules : perWorkflow);
  const cache: ModuleCache = {
    get: (id) => cacheFor(id).get(id),
    set: (id, module) => cacheFor(id).set(id, module),
  };
  activator.moduleCache = cache;
}
