// Load on the delivery ledger in workerd (Miniflare, local D1) over real HTTP
// on 127.0.0.1: 1,000 balance deliveries, 300 of them duplicates of others,
// shuffled, 50 in flight. The fake JeriCommerce must receive exactly 700
// requests (one per distinct delivery), every delivery is answered, and the
// only 5xx is the deliberate 503 delivery_in_progress of a duplicate that
// arrived while its original was being sent.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { startWorker, httpRequest, pool, assertCleanLogs, SECRET, AUTH } from './helpers.mjs';

const DISTINCT = 700;
const DUPLICATES = 300;
const IN_FLIGHT = 50;

/** A small seeded PRNG (mulberry32): the same shuffle on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bodyOf = (i) => JSON.stringify({ person: { email: `member${i}@example.com` }, event: { points: i + 1, reason: 'load' } });

describe('delivery ledger under load (1,000 deliveries, 300 duplicates, 50 in flight)', () => {
  let jc;
  let w;

  before(async () => {
    jc = await startFakeJeriCommerce();
    w = await startWorker({
      ...jc.env(),
      PASSBRIDGE_WEBHOOK_SECRET: SECRET,
      PASSBRIDGE_DELTA: '{{ event.points }}',
      PASSBRIDGE_REASON: '{{ event.reason }}',
    });
  });

  after(async () => {
    await w?.stop();
    await jc?.stop();
  });

  it('exactly 700 upstream requests; every delivery answered; no unexpected 5xx', async () => {
    const random = prng(7);
    const deliveries = Array.from({ length: DISTINCT }, (_, i) => i);
    for (let d = 0; d < DUPLICATES; d++) deliveries.push(Math.floor(random() * DISTINCT));
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const answers = new Array(deliveries.length);
    try {
      await pool(deliveries.length, IN_FLIGHT, async (k) => {
        const body = bodyOf(deliveries[k]);
        answers[k] = await httpRequest(agent, w.port, {
          path: '/jericommerce/balance',
          headers: { 'content-type': 'application/json', authorization: AUTH, 'content-length': String(Buffer.byteLength(body)) },
          body,
        });
      });
    } finally {
      agent.destroy();
    }
    assert.equal(answers.filter(Boolean).length, 1000, 'every delivery is answered');
    const byStatus = {};
    for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    const unexpected = answers.filter((a) => a.status !== 200 && !(a.status === 503 && JSON.parse(a.text).code === 'delivery_in_progress'));
    assert.deepEqual(unexpected.map((a) => `${a.status} ${a.text}`), [], `statuses: ${JSON.stringify(byStatus)}`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(jc.requests.length, DISTINCT, 'one upstream request per distinct delivery');
    assert.equal(jc.changes.length, DISTINCT);
    // Each distinct delivery credited exactly once, with its own amount.
    for (let i = 0; i < DISTINCT; i += 37) assert.equal(jc.balanceOf(`member${i}@example.com`), i + 1);
    const fresh = answers.filter((a) => a.status === 200 && a.headers['idempotent-replayed'] === undefined);
    assert.equal(fresh.length, DISTINCT, 'one fresh answer per distinct delivery; the rest replayed or in progress');
    const ids = new Set(answers.map((a) => a.headers['passbridge-delivery']));
    assert.equal(ids.size, DISTINCT);
    const count = await w.db.prepare("SELECT count(*) AS n FROM deliveries WHERE state = 'done'").first();
    assert.equal(count.n, DISTINCT);
    await w.waitForLogs(1000);
    assertCleanLogs(w.logs, [jc.apiKey, SECRET]);
  });
});
