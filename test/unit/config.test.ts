import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheRoom, loadConfig, WORKER_DEFAULTS } from '../../src/config.js';

describe('worker capacity config', () => {
  it('fits the default cache to the heap: 256 MiB base + 0.5 MiB per cached hand-off', () => {
    assert.equal(cacheRoom(256), 0);
    assert.equal(cacheRoom(512), 512);
    assert.equal(cacheRoom(4096), 7680);
    assert.equal(cacheRoom(100), 0);
  });

  it('takes the default cache when the heap has room, and the stated value when set', () => {
    const room = cacheRoom();
    assert.equal(loadConfig({}).worker.maxCachedWorkflows, Math.max(10, Math.min(WORKER_DEFAULTS.maxCachedWorkflows, room)));
    assert.equal(loadConfig({ BATON_MAX_CACHED_WORKFLOWS: '123' }).worker.maxCachedWorkflows, 123);
  });

  it('reads BATON_REUSE_V8_CONTEXT as a boolean and refuses anything else, naming the variable', () => {
    assert.equal(loadConfig({}).worker.reuseV8Context, true);
    assert.equal(loadConfig({ BATON_REUSE_V8_CONTEXT: 'false' }).worker.reuseV8Context, false);
    assert.equal(loadConfig({ BATON_REUSE_V8_CONTEXT: 'On' }).worker.reuseV8Context, true);
    assert.throws(() => loadConfig({ BATON_REUSE_V8_CONTEXT: 'maybe' }), /BATON_REUSE_V8_CONTEXT must be true or false/);
  });
});
