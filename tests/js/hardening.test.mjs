// Issue 11: the reproductions of the adversarial probe, through both JS
// entries (js/klaviyo.mjs and the single file). Each is the probe's own case,
// with the behaviour we need asserted.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { MODULES, rejection, assertPassbridgeError, flatProfile } from './helpers.mjs';
import { startFakePassNinja } from './fake-passninja.mjs';
import { startFakeJeriCommerce } from './fake-jericommerce.mjs';

const SERIAL = 'S-1';

for (const mod of MODULES) {
  describe(`hardening — ${mod.name}`, () => {
    let api;
    let pn;
    let jc;
    before(async () => {
      api = await import(mod.url);
      pn = await startFakePassNinja();
      jc = await startFakeJeriCommerce();
    });
    after(async () => {
      await pn.stop();
      await jc.stop();
    });
    beforeEach(() => {
      pn.reset();
      jc.reset();
    });

    it('1. 341 references to a 6 MB property: invalid_profile naming the field and the limit, memory bounded', async () => {
      const t = '{{person.b}}'.repeat(341);
      const h = api.createHandler({ env: pn.env(), dryRun: true, fields: { a: t, b: t } });
      const before = process.memoryUsage().rss;
      const err = await rejection(h({}, { external_id: 'x', b: 'x'.repeat(6 << 20) }));
      assertPassbridgeError(err, { code: 'invalid_profile' });
      assert.match(err.message, /'a'/, err.message);
      assert.match(err.message, /8192 bytes/, err.message);
      const grown = process.memoryUsage().rss - before;
      assert.ok(grown < 512 * 1024 * 1024, `memory grew by ${Math.round(grown / 1048576)} MB`);
      // And the handler still works.
      const ok = await h({}, { external_id: 'x', b: 'y' });
      assert.equal(ok.dryRun, true);
    });

    it('2. a balance change (never retried) may use the whole budget for its one attempt', async () => {
      // budgetMs 1200: half would be 600 ms; the provider answers after 800 ms.
      jc.script({ delayMs: 800 });
      const h = api.createHandler({
        provider: 'jericommerce', operation: 'balance', delta: '{{ event.points }}', reason: 'r',
        env: jc.env(), budgetMs: 1200,
      });
      const result = await h({ points: 5 }, flatProfile({}), {});
      assert.deepEqual({ ...result }, { updated: true, direction: 'increase', amount: 5, status: 200 });
      assert.equal(jc.requests.length, 1);
    });

    it('3. an idempotent update to a provider slower than half the budget succeeds with one request', async () => {
      pn.script({ delayMs: 800 });
      const h = api.createHandler({ env: pn.env(), budgetMs: 1200 });
      const result = await h(null, flatProfile({ external_id: SERIAL }), {});
      assert.deepEqual({ ...result }, { updated: true, status: 200 });
      assert.equal(pn.requests.length, 1);
    });

    it('4. Retry-After is capped at one hour; a date in the far future too', async () => {
      for (const retryAfter of ['99999999999', 'Fri, 31 Dec 9999 23:59:59 GMT']) {
        pn.reset();
        pn.script({ status: 429, retryAfter, body: { error: 'slow down' } });
        const h = api.createHandler({ env: pn.env(), budgetMs: 300 });
        const err = await rejection(h(null, flatProfile({ external_id: SERIAL }), {}));
        assertPassbridgeError(err, { code: 'throttled', status: 429, retryable: true });
        assert.equal(err.retryAfterMs, 3_600_000, retryAfter);
      }
      pn.reset();
      pn.script({ status: 429, retryAfter: 'Sun, 06 Nov 1994 08:49:37 GMT', body: { error: 'x' } });
      const err = await rejection(api.createHandler({ env: pn.env(), budgetMs: 300 })(null, flatProfile({ external_id: SERIAL }), {}));
      assert.equal(err.retryAfterMs, 0, 'a date in the past counts as 0');
      pn.reset();
      pn.script({ status: 429, retryAfter: 'whenever', body: { error: 'x' } });
      const err2 = await rejection(api.createHandler({ env: pn.env(), budgetMs: 300 })(null, flatProfile({ external_id: SERIAL }), {}));
      assert.equal(err2.retryAfterMs, undefined, 'garbage is ignored');
    });

    it('6. a throwing setter on Object.prototype cannot break a result or leave a promise unsettled', async () => {
      // No real network here: the runtime's own fetch machinery is not ours to
      // protect. Answers are made before the prototype is polluted.
      const answers = [new Response('{}', { status: 200 }), new Response('{"error":"Pass not found"}', { status: 404 })];
      const fetch = async () => answers.shift();
      const env = { PASSNINJA_API_KEY: 'sk_proto_0123456789', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x2' };
      const names = ['updated', 'status', 'skipped', 'reason', 'dryRun', 'request', 'method', 'url', 'headers', 'body', 'code', 'retryable', 'attempts', 'name'];
      const h = api.createHandler({ env, fetch });
      const dryRun = api.createHandler({ env, dryRun: true });
      for (const n of names) {
        Object.defineProperty(Object.prototype, n, { set() { throw new Error(`setter ${n}`); }, configurable: true });
      }
      let sent, skipped, dry, err;
      try {
        sent = await h(null, { external_id: SERIAL }, {});
        skipped = await h(null, {}, {});
        dry = await dryRun(null, { external_id: SERIAL }, {});
        err = await h(null, { external_id: SERIAL }, {}).then(() => null, (e) => e);
      } finally {
        for (const n of names) delete Object.prototype[n];
      }
      assert.deepEqual({ ...sent }, { updated: true, status: 200 });
      assert.deepEqual({ ...skipped }, { skipped: true, reason: 'no active pass' });
      assert.equal(dry.dryRun, true);
      assert.equal(dry.request.method, 'PATCH');
      assert.equal(dry.request.headers['X-API-KEY'], '***');
      assert.equal(err?.code, 'not_found', err?.message);
      assert.equal(err.retryable, false);
      assert.equal(err.status, 404);
    });

    it('7. redaction touches only the provider text, in any case, and withholds it for a short key', async () => {
      // A key of 3 characters echoed by the provider, and one that is a word of our own message.
      for (const [key, body] of [
        ['404', { error: 'Pass not found for key 404' }],
        ['Not', { error: 'nothing here, not at all' }],
        ['abc', { error: 'your key ABC is unknown' }],
      ]) {
        pn.reset();
        pn.script({ status: 404, body });
        const h = api.createHandler({ env: { ...pn.env(), PASSNINJA_API_KEY: key } });
        const err = await rejection(h(null, flatProfile({ external_id: SERIAL }), {}));
        assert.ok(err.message.startsWith('PassNinja error: 404 Not Found: '), err.message);
        assert.match(err.message, /withheld/, err.message);
        assert.ok(!err.message.slice('PassNinja error: 404 Not Found'.length).toLowerCase().includes(key.toLowerCase()), err.message);
      }
      const long = 'sk_live_ABCDEFGH12345678';
      pn.reset();
      pn.script({ status: 400, body: { error: `bad key ${long.toLowerCase()} or ${long.toUpperCase()}` } });
      const h = api.createHandler({ env: { ...pn.env(), PASSNINJA_API_KEY: long } });
      const err = await rejection(h(null, flatProfile({ external_id: SERIAL }), {}));
      assert.equal(err.message, 'PassNinja error: 400 Bad Request: bad key *** or ***');
    });

    if (mod.name === 'js/klaviyo.mjs') {
      it('1b. a wasm trap becomes internal_error (not retryable) and the next call runs on a fresh instance', async () => {
        // Fault injection: make one call reach the real wasm with a pointer it
        // does not own, so the instance traps (RuntimeError) inside the door.
        const glue = await import('../../pkg/passbridge.js');
        const real = glue.Handler.prototype.run;
        glue.Handler.prototype.run = function (...args) {
          const bogus = Object.create(glue.Handler.prototype);
          Object.defineProperty(bogus, '__wbg_ptr', { value: 0x7ffffff0 });
          return real.apply(bogus, args);
        };
        const h = api.createHandler({ env: pn.env(), dryRun: true });
        let err;
        try {
          err = await rejection(h(null, flatProfile({ external_id: SERIAL }), {}));
        } finally {
          glue.Handler.prototype.run = real;
        }
        assert.equal(err.name, 'PassbridgeError');
        assert.equal(err.code, 'internal_error');
        assert.equal(err.retryable, false);
        const again = await h(null, flatProfile({ external_id: SERIAL }), {});
        assert.equal(again.dryRun, true);
        assert.equal(again.request.method, 'PATCH');
      });
    }

    it('8/9. a Date, Map, Set, typed array or class instance is invalid_profile, filter or not, and quickly', async () => {
      class Points { constructor() { this.n = 5; } }
      const values = [
        ['a Date', new Date(0)],
        ['a Map', new Map([['a', 1]])],
        ['a Set', new Set([1])],
        ['a typed array', new Uint8Array(20e6)],
        ['a class instance', new Points()],
      ];
      for (const [name, value] of values) {
        for (const template of ['{{ person.x }}', '{{ person.x|default:0 }}', '{{ person.x|default_if_none:0 }}']) {
          const h = api.createHandler({ env: pn.env(), dryRun: true, fields: { f: template } });
          const err = await rejection(h(null, { external_id: SERIAL, x: value }, {}));
          assert.equal(err.code, 'invalid_profile', `${name} in ${template}: ${err.message}`);
        }
      }
    });

    it('a base URL that only looks like loopback is refused', async () => {
      const h = api.createHandler({ env: { ...pn.env(), PASSNINJA_BASE_URL: 'http://[::1].evil.example' }, dryRun: true });
      const err = await rejection(h(null, flatProfile({ external_id: SERIAL }), {}));
      assert.equal(err.code, 'invalid_config');
      assert.match(err.message, /PASSNINJA_BASE_URL/);
      assert.ok(!err.message.includes('evil'), err.message);
    });

    it('process.env is read by own property only: a variable inherited from Object.prototype is not seen, its getter never runs', async () => {
      const saved = { ...process.env };
      Object.assign(process.env, { PASSNINJA_API_KEY: 'sk_env_0123456789', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x2' });
      delete process.env.PASSNINJA_BASE_URL;
      let calls = 0;
      Object.defineProperty(Object.prototype, 'PASSNINJA_BASE_URL', { get() { calls++; return 'https://evil.example'; }, configurable: true });
      let dry;
      try {
        dry = await api.createHandler({ dryRun: true })(null, { external_id: SERIAL }, {});
      } finally {
        delete Object.prototype.PASSNINJA_BASE_URL;
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
      assert.ok(dry.request.url.startsWith('https://api.passninja.com/'), dry.request.url);
      assert.equal(calls, 0);
    });
  });
}
