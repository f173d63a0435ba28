// Hostile inputs through both JS entries: values that throw when read, revoked
// Proxies, wrong types everywhere. Each gets a coded error or a skip, nothing
// is sent, and the handler keeps working afterwards (no trap, no stuck state).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MODULES } from './helpers.mjs';

const ENV = { PASSNINJA_API_KEY: 'sk_hostile_key_123', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x2' };
const GOOD = { data: { attributes: { external_id: 'S1', properties: { loyalty_points: 1 } } } };

function revoked() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const throwing = (what) =>
  new Proxy({}, { get() { throw new Error(`${what} exploded`); }, ownKeys() { throw new Error('keys exploded'); } });

const CASES = [
  ['a revoked Proxy as profile', revoked(), 'invalid_profile'],
  ['a Proxy whose every read throws', throwing('profile'), 'skip'],
  ['a throwing getter on data', Object.defineProperty({}, 'data', { get() { throw new Error('boom'); }, enumerable: true }), 'skip'],
  ['properties as a revoked Proxy', { external_id: 'S1', properties: revoked() }, 'send'],
  ['a loyalty_points object that throws on keys', { external_id: 'S1', properties: { loyalty_points: throwing('points') } }, 'invalid_profile'],
  ['a function as profile', () => 1, 'invalid_profile'],
  ['a symbol as external_id', { external_id: Symbol('x') }, 'skip'],
  ['a bigint as points', { external_id: 'S1', properties: { loyalty_points: 10n ** 20n } }, 'send'],
  ['a 1 MB string property (a field renders at most 8192 bytes)', { external_id: 'S1', properties: { loyalty_tier: 'x'.repeat(1 << 20) } }, 'invalid_profile'],
  ['a number as profile', 42, 'invalid_profile'],
  ['undefined profile', undefined, 'invalid_profile'],
];

for (const mod of MODULES) {
  describe(`hostile inputs — ${mod.name}`, () => {
    it('never throws through the wasm and keeps working', async () => {
      const { createHandler } = await import(mod.url);
      const sent = [];
      const fetch = async (url, init) => {
        sent.push({ url, init });
        return new Response('{}', { status: 200 });
      };
      const handler = createHandler({ env: ENV, fetch, budgetMs: 1000 });
      for (const [name, profile, expect] of CASES) {
        sent.length = 0;
        let result, error;
        try {
          result = await handler(null, profile, {});
        } catch (e) {
          error = e;
        }
        if (expect === 'skip') {
          assert.deepEqual(result, { skipped: true, reason: 'no active pass' }, name);
          assert.equal(sent.length, 0, name);
        } else if (expect === 'send') {
          assert.equal(error, undefined, `${name}: ${error?.message}`);
          assert.deepEqual(result, { updated: true, status: 200 }, name);
          assert.equal(sent.length, 1, name);
        } else {
          assert.ok(error instanceof Error, `${name}: expected an error, got ${JSON.stringify(result)}`);
          assert.equal(error.code, expect, `${name}: ${error.message}`);
          assert.equal(sent.length, 0, name);
        }
        // The same handler still works after every hostile call.
        assert.deepEqual(await handler(null, GOOD, {}), { updated: true, status: 200 }, `after ${name}`);
      }
    });

    it('a hostile env or options object is a coded error, not a crash', async () => {
      const { createHandler } = await import(mod.url);
      const h = createHandler({ env: throwing('env'), fetch: async () => new Response('{}') });
      await assert.rejects(h(null, GOOD, {}), (e) => e.code === 'missing_config');
      assert.throws(() => createHandler('not an object'), (e) => e.code === 'invalid_config');
      assert.throws(() => createHandler({ fields: { a: 5 } }), (e) => e.code === 'invalid_config');
      assert.throws(() => createHandler({ fields: 'x' }), (e) => e.code === 'invalid_config');
      assert.throws(() => createHandler({ budgetMs: -1 }), (e) => e.code === 'invalid_config');
      assert.throws(() => createHandler({ fetch: 'nope' }), (e) => e.code === 'invalid_config');
      assert.throws(() => createHandler({ dryRun: 'yes' }), (e) => e.code === 'invalid_config');
    });
  });
}
