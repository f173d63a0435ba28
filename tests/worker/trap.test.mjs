// Issue 16 item 2 (workerd): a wasm trap costs only the request that trapped.
// 19 balance changes are in flight (the fake JeriCommerce on 127.0.0.1 holds
// them) when a 20th traps; the 19 then answer their true JSON answers, each
// with its log line, and their ledger rows record what the provider did
// (`done`). The trapped one answers the core's JSON 500 internal_error.
// Before, the instance was replaced under all 20: workerd's non-JSON 500, no
// log line, rows left `pending` although the provider had applied them.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { startWorker, assertProblem, assertCleanLogs, SECRET, ROOT } from './helpers.mjs';

const BALANCE = '/jericommerce/balance';
const IN_FLIGHT = 19;
const member = (i) => `member${i}@example.com`;
const body = (email, points) => ({ person: { email }, event: { points, reason: 'trap test' } });

/**
 * js/worker.mjs with a trap in a request's LATER steps (generated: the
 * boundary's snippet path carries a build hash): reading the body of a
 * provider answer that carries `x-test-trap: 1` (the core does it from
 * wasm-bindgen's task queue, after its fetch resolved) makes the instance
 * trap, by a call into it with a pointer it does not own. Installed before
 * js/worker.mjs starts its instance (the glue binds its imports then).
 */
function asyncTrapWorker() {
  const [snippet] = readdirSync(`${ROOT}pkg/snippets`);
  const dir = `${ROOT}.tmp/trap-worker`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/inject.mjs`,
    `import { pb } from "../../pkg/snippets/${snippet}/js/boundary.js";
import { WorkerApp } from "../../pkg/passbridge.js";
const real = pb.readText;
pb.readText = function (res, limit) {
  if (res?.headers?.get?.("x-test-trap") === "1") {
    const bogus = Object.create(WorkerApp.prototype);
    Object.defineProperty(bogus, "__wbg_ptr", { value: 0x7ffffff0 });
    WorkerApp.prototype.gate.call(bogus, undefined, 0);
  }
  return real.call(this, res, limit);
};
`,
  );
  writeFileSync(`${dir}/worker.mjs`, 'import "./inject.mjs";\nexport { default } from "../../js/worker.mjs";\n');
  return '.tmp/trap-worker/worker.mjs';
}

const bindings = (jc) => ({
  ...jc.env(),
  PASSBRIDGE_WEBHOOK_SECRET: SECRET,
  PASSBRIDGE_DELTA: '{{ event.points }}',
  PASSBRIDGE_REASON: '{{ event.reason }}',
});

describe('a wasm trap with requests in flight (workerd)', () => {
  let jc;
  let w;
  let late;

  before(async () => {
    jc = await startFakeJeriCommerce();
    w = await startWorker(bindings(jc), { scriptPath: 'tests/worker/fixtures/trap-worker.mjs' });
    late = await startWorker(bindings(jc), { scriptPath: asyncTrapWorker() });
  });

  after(async () => {
    await w?.stop();
    await late?.stop();
    await jc?.stop();
  });

  it('a trap in the later steps of one of 20 requests: the 19 others answer true answers with done rows', async () => {
    jc.reset();
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    const TRAP = 'trap@example.com';
    const step = (rec) => (rec.json?.[0]?.email === TRAP ? { until: held, apply: true, headers: { 'x-test-trap': '1' } } : { until: held });
    jc.script(...Array.from({ length: IN_FLIGHT + 1 }, () => step));
    const send = (email, points) => late.call(BALANCE, { json: body(email, points) }).then((answer) => ({ answer }), (error) => ({ error }));
    const calls = Array.from({ length: IN_FLIGHT }, (_, i) => send(member(i), i + 1));
    const trapping = send(TRAP, 99);
    await jc.waitForRequests(IN_FLIGHT + 1, 20_000);
    release();
    const [settled, trapped] = await Promise.all([Promise.all(calls), trapping]);

    assert.equal(trapped.error, undefined, trapped.error?.message);
    assertProblem(trapped.answer, 500, 'internal_error');
    assert.equal(trapped.answer.log.code, 'internal_error');
    settled.forEach(({ answer, error }, i) => {
      assert.equal(error, undefined, `request ${i}: ${error?.message}`);
      assert.equal(answer.status, 200, `request ${i}: ${answer.text}`);
      assert.equal(answer.json.amount, i + 1, answer.text);
      assert.equal(answer.log.ledger, 'done', JSON.stringify(answer.log));
      assert.equal(jc.balanceOf(member(i)), i + 1);
    });
    // The provider applied the trapped one too; its row was claimed and its
    // result never written: `pending`, then `ambiguous` after the stale limit.
    assert.equal(jc.balanceOf(TRAP), 99);
    const rows = await late.db.prepare('SELECT state, count(*) AS n FROM deliveries GROUP BY state ORDER BY state').all();
    assert.deepEqual(rows.results, [{ state: 'done', n: IN_FLIGHT }, { state: 'pending', n: 1 }]);

    const later = await late.call(BALANCE, { json: body('later@example.com', 5) });
    assert.equal(later.status, 200, later.text);
    assert.equal(later.log.ledger, 'done');
    assertCleanLogs(late.logs, [jc.apiKey, SECRET]);
  });

  it('the 19 in flight answer their true answers with log lines and done rows; the trapped one 500 internal_error', async () => {
    jc.reset();
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    jc.script(...Array.from({ length: IN_FLIGHT }, () => ({ until: held })));
    const calls = Array.from({ length: IN_FLIGHT }, (_, i) =>
      w.call(BALANCE, { json: body(member(i), i + 1) }).then(
        (answer) => ({ answer }),
        (error) => ({ error }),
      ),
    );
    // All 19 reached the provider (each row claimed `pending`, each awaiting its fetch).
    await jc.waitForRequests(IN_FLIGHT, 20_000);

    const trapped = await w.call(BALANCE, { json: body('trap@example.com', 99), headers: { 'x-test-trap': '1' } });
    assertProblem(trapped, 500, 'internal_error');
    assert.equal(trapped.log.code, 'internal_error');

    release();
    const settled = await Promise.all(calls);
    settled.forEach(({ answer, error }, i) => {
      assert.equal(error, undefined, `request ${i}: ${error?.message}`);
      assert.equal(answer.status, 200, `request ${i}: ${answer.text}`);
      assert.equal(answer.json.updated, true, answer.text);
      assert.equal(answer.json.amount, i + 1, answer.text);
      assert.equal(answer.log.status, 200);
      assert.equal(answer.log.ledger, 'done', JSON.stringify(answer.log));
      assert.equal(jc.balanceOf(member(i)), i + 1, `the provider credited request ${i} once`);
    });
    assert.equal(jc.requests.length, IN_FLIGHT, 'the trapped request sent nothing');
    const rows = await w.db.prepare('SELECT state, count(*) AS n FROM deliveries GROUP BY state').all();
    assert.deepEqual(rows.results, [{ state: 'done', n: IN_FLIGHT }]);

    // The next request runs (on a fresh instance).
    const later = await w.call(BALANCE, { json: body('later@example.com', 5) });
    assert.equal(later.status, 200, later.text);
    assert.equal(later.log.ledger, 'done');
    assert.equal(jc.balanceOf('later@example.com'), 5);
    assertCleanLogs(w.logs, [jc.apiKey, SECRET]);
  });
});
