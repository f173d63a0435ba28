// Issue 16 item 2 (Node): a trap in the LATER steps of a call (after its
// fetch resolved: the core reads the answer from wasm-bindgen's task queue,
// a microtask no door can catch) costs only that call. Eight balance changes
// and a ninth are in flight, held by the fake JeriCommerce on 127.0.0.1; the
// instance traps while reading the ninth's answer. The eight complete with
// their true answers, the ninth rejects with internal_error, nothing escapes
// to the host. (Its own file: the trap must come from the process's first
// instance, the one whose class the injection reaches.)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { flatProfile } from './helpers.mjs';
import { startFakeJeriCommerce } from './fake-jericommerce.mjs';

const IN_FLIGHT = 8;

/**
 * A trap in a call's later steps: reading the body of a provider answer that
 * carries `x-test-trap: 1` (the core does it after its fetch resolved, from
 * wasm-bindgen's task queue) makes the instance trap: a call into it with a
 * pointer it does not own, whose RuntimeError unwinds through the frames of
 * the call being polled. Installed before the wasm starts (the glue binds its
 * imports then); only such an answer is affected.
 */
async function trapWhenReading() {
  const glue = await import('../../pkg/passbridge.js');
  const [snippet] = readdirSync(new URL('../../pkg/snippets/', import.meta.url));
  const { pb } = await import(`../../pkg/snippets/${snippet}/js/boundary.js`);
  const real = pb.readText;
  pb.readText = function (res, limit) {
    if (res?.headers?.get?.('x-test-trap') === '1') {
      const bogus = Object.create(glue.Handler.prototype);
      Object.defineProperty(bogus, '__wbg_ptr', { value: 0x7ffffff0 });
      glue.Handler.prototype.run.call(bogus, null, {}, {}, undefined);
    }
    return real.call(this, res, limit);
  };
}

describe('a wasm trap in the later steps of a call, with calls in flight — js/klaviyo.mjs', () => {
  let api;
  let jc;
  const escaped = [];
  const onEscape = (error) => escaped.push(error);

  before(async () => {
    await trapWhenReading();
    api = await import('../../js/klaviyo.mjs');
    jc = await startFakeJeriCommerce();
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
  });
  after(async () => {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    await jc?.stop();
  });

  it('the calls in flight answer their real results, the one that trapped internal_error, nothing escapes', { timeout: 30_000 }, async () => {
    const h = api.createHandler({
      provider: 'jericommerce', operation: 'balance', delta: '{{ event.points }}', reason: 'trap test', env: jc.env(),
    });
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    const TRAP = 'trap@example.com';
    const step = (rec) => (rec.json?.[0]?.email === TRAP ? { until: held, apply: true, headers: { 'x-test-trap': '1' } } : { until: held });
    jc.script(...Array.from({ length: IN_FLIGHT + 1 }, () => step));
    const member = (i) => `early${i}@example.com`;
    const call = (points, email) => h({ points }, flatProfile({ email }), {}).then((value) => ({ value }), (error) => ({ error }));
    const calls = Array.from({ length: IN_FLIGHT }, (_, i) => call(i + 1, member(i)));
    const trapping = call(99, TRAP);
    await jc.waitForRequests(IN_FLIGHT + 1);

    release();
    const [settled, trapped] = await Promise.all([Promise.all(calls), trapping]);
    assert.equal(trapped.value, undefined, JSON.stringify(trapped.value));
    assert.equal(trapped.error?.name, 'PassbridgeError', String(trapped.error?.stack ?? trapped.error));
    assert.equal(trapped.error.code, 'internal_error');
    assert.equal(jc.balanceOf(TRAP), 99, 'the provider applied the call that trapped');
    settled.forEach((s, i) => {
      assert.equal(s.error, undefined, `call ${i}: ${s.error?.stack ?? s.error}`);
      assert.deepEqual({ ...s.value }, { updated: true, direction: 'increase', amount: i + 1, status: 200 }, `call ${i}`);
      assert.equal(jc.balanceOf(member(i)), i + 1);
    });

    const again = await h({ points: 7 }, flatProfile({ email: 'later@example.com' }), {});
    assert.deepEqual({ ...again }, { updated: true, direction: 'increase', amount: 7, status: 200 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(escaped.map((e) => String(e?.stack ?? e)), []);
  });
});
