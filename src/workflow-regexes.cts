// zod's built-in format patterns (z.email(), z.iso.date(), …) inside the workflow bundle, a fresh
// copy per use. The workflow worker freezes the modules it shares between workflows
// (src/workflow-preload.ts), and zod resets a pattern's `lastIndex` before each test, which a frozen
// RegExp refuses; a copy made while a workflow builds its schemas is that workflow's own.
// src/worker.ts routes zod's `regexes.js` here when it bundles the workflows. CommonJS (.cts): only
// a CommonJS module can answer with a Proxy.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const shared = require('baton-zod-shared-regexes') as object;

module.exports = new Proxy(shared, {
  get(target, key) {
    const value = Reflect.get(target, key) as unknown;
    return value instanceof RegExp ? new RegExp(value.source, value.flags) : value;
  },
});
