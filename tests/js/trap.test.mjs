// Issue 16 item 2 (Node): a wasm trap costs only the call that trapped. Eight
// balance changes are in flight, held by the fake JeriCommerce on 127.0.0.1,
// when another call traps; the eight then complete on the instance they
// started on, with their true answers, and the process goes on (before, the
// instance was replaced under them: "Cannot invoke closure from previous WASM
// instance" was thrown uncaught and Node exited).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rejection, flatProfile } from './helpers.mjs';
import { startFakeJeriCommerce } from './fake-jericommerce.mjs';

const IN_FLIGHT = 8;

/**
 * Fault injection, as hardening.test.mjs does it: while installed, a call whose
 * profile email is `email` reaches the real wasm with a pointer it does not
 * own, so the instance traps (RuntimeError) inside the door. Returns the undo.
 */
async function trapFor(email) {
  const glue = await import('../../pkg/passbridge.js');
  const real = glue.Handler.prototype.run;
  glue.Handler.prototype.run = function (event, profile, ...rest) {
    if (profile?.email !== email) return real.call(this, event, profile, ...rest);
    const bogus = Object.create(glue.Handler.prototype);
    Object.defineProperty(bogus, '__wbg_ptr', { value: 0x7ffffff0 });
    return real.call(bogus, event, profile, ...rest);
  };
  return () => {
    glue.Handler.prototype.run = real;
  };
}

describe('a wasm trap with calls in flight — js/klaviyo.mjs', () => {
  let api;
  let jc;
  const escaped = [];
  const onEscape = (error) => escaped.push(error);

  before(async () => {
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

  it('the calls in flight answer their real results, the trapped one internal_error, and later calls work', { timeout: 30_000 }, async () => {
    const h = api.createHandler({
      provider: 'jericommerce', operation: 'balance', delta: '{{ event.points }}', reason: 'trap test', env: jc.env(),
    });
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    jc.script(...Array.from({ length: IN_FLIGHT }, () => ({ until: held })));
    const member = (i) => `member${i}@example.com`;
    const calls = Array.from({ length: IN_FLIGHT }, (_, i) =>
      h({ points: i + 1 }, flatProfile({ email: member(i) }), {}).then(
        (value) => ({ value }),
        (error) => ({ error }),
      ),
    );
    // Every one of them is awaiting its fetch: the provider holds the requests.
    await jc.waitForRequests(IN_FLIGHT);

    const undo = await trapFor('trap@example.com');
    let trapped;
    try {
      trapped = await rejection(h({ points: 99 }, flatProfile({ email: 'trap@example.com' }), {}));
    } finally {
      undo();
    }
    assert.equal(trapped.name, 'PassbridgeError', String(trapped?.stack ?? trapped));
    assert.equal(trapped.code, 'internal_error');
    assert.equal(trapped.retryable, false);

    release();
    const settled = await Promise.all(calls);
    settled.forEach((s, i) => {
      assert.equal(s.error, undefined, `call ${i}: ${s.error?.stack ?? s.error}`);
      assert.deepEqual({ ...s.value }, { updated: true, direction: 'increase', amount: i + 1, status: 200 }, `call ${i}`);
      assert.equal(jc.balanceOf(member(i)), i + 1, `the provider credited call ${i} once`);
    });
    assert.equal(jc.requests.length, IN_FLIGHT, 'the trapped call sent nothing');

    // Later calls run (on a fresh instance), the old handler included.
    const again = await h({ points: 7 }, flatProfile({ email: 'later@example.com' }), {});
    assert.deepEqual({ ...again }, { updated: true, direction: 'increase', amount: 7, status: 200 });
    const other = api.createHandler({
      provider: 'jericommerce', operation: 'balance', delta: '{{ event.points }}', reason: 'r', env: jc.env(), dryRun: true,
    });
    const dry = await other({ points: 3 }, flatProfile({}), {});
    assert.equal(dry.dryRun, true);
    assert.equal(dry.request.method, 'POST');

    // Nothing escaped to the host.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(escaped.map((e) => String(e?.stack ?? e)), []);
  });
});
