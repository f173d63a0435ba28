// Issue 16 item 2 (workerd): a wasm trap costs only the request that trapped.
// 19 balance changes are in flight (the fake JeriCommerce on 127.0.0.1 holds
// them) when a 20th traps; the 19 then answer their true JSON answers, each
// with its log line, and their ledger rows record what the provider did
// (`done`). The trapped one answers the core's JSON 500 internal_error.
// Before, the instance was replaced under all 20: workerd's non-JSON 500, no
// log line, rows left `pending` although the provider had applied them.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { startWorker, assertProblem, assertCleanLogs, SECRET } from './helpers.mjs';

const BALANCE = '/jericommerce/balance';
const IN_FLIGHT = 19;
const member = (i) => `member${i}@example.com`;
const body = (email, points) => ({ person: { email }, event: { points, reason: 'trap test' } });

describe('a wasm trap with requests in flight (workerd)', () => {
  let jc;
  let w;

  before(async () => {
    jc = await startFakeJeriCommerce();
    w = await startWorker(
      {
        ...jc.env(),
        PASSBRIDGE_WEBHOOK_SECRET: SECRET,
        PASSBRIDGE_DELTA: '{{ event.points }}',
        PASSBRIDGE_REASON: '{{ event.reason }}',
      },
      { scriptPath: 'tests/worker/fixtures/trap-worker.mjs' },
    );
  });

  after(async () => {
    await w?.stop();
    await jc?.stop();
  });

  it('the 19 in flight answer their true answers with log lines and done rows; the trapped one 500 internal_error', async () => {
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
