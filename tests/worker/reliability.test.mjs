// Issue 16 (the second adversarial probe) in workerd (Miniflare, local D1),
// against the fake providers on 127.0.0.1: a delivery key template that must
// not stop the routes whose body cannot carry it (item 1), a failed final D1
// write (item 3), a PassNinja create answered 2xx without a serialNumber
// (item 4), a claim dated when it is made (item 5), Idempotency-Key trimming
// (item 6) and bodies that are not UTF-8 (item 7).
//
// D1 faults and the request's start time are injected by a test entry around
// the real Worker (tests/worker/fixtures/faults-worker.mjs), per request.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { startFakeWalletCrew } from '../js/fake-walletcrew.mjs';
import { startWorker, startFakePassNinja, assertProblem, assertCleanLogs, SECRET, EMAIL } from './helpers.mjs';

const BALANCE = '/jericommerce/balance';
const CREATE = '/passninja/create';
const ADMIN = 'adm_pbtest_reliability_41c7e9a2b8d0';
const ADMIN_AUTH = `Bearer ${ADMIN}`;
const SERIAL = '5d2b3f8a9c0e1f2a3b';
const FAULTS = 'tests/worker/fixtures/faults-worker.mjs';
/** Text of the ledger's final write only (SQL_FINISH in src/ledger/sql.rs). */
const FINISH_SQL = 'upstream_status = ?4';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const deliveryId = (route, key) => sha256(`${route}\n${key}`).slice(0, 32);
const bodyKey = (route, text) => sha256(`${route}\n${text}`);

const balanceBody = (points, extra = {}) => ({ person: { email: EMAIL }, event: { points, reason: 'purchase', ...extra } });

let jc;
let pn;
let wc;
const started = [];

async function worker(extra = {}) {
  const bindings = {
    PASSBRIDGE_WEBHOOK_SECRET: SECRET,
    PASSBRIDGE_ADMIN_SECRET: ADMIN,
    ...jc.env(),
    ...pn.env(),
    ...wc.env(),
    PASSBRIDGE_FIELDS: JSON.stringify({ 'points-balance': '{{ person.properties.loyalty_points|default_if_none:0 }}' }),
    PASSBRIDGE_PASS_TYPE: 'vip',
    PASSBRIDGE_DELTA: '{{ event.points }}',
    PASSBRIDGE_REASON: 'Klaviyo {{ event.reason }}',
    PASSBRIDGE_BUDGET_MS: '5000',
    ...extra,
  };
  const w = await startWorker(bindings, { scriptPath: FAULTS });
  started.push({ w, bindings });
  return w;
}

const upstream = () => jc.requests.length + pn.requests.length + wc.requests.length;
const rowsOf = async (w) => (await w.db.prepare('SELECT id, route, state, updated_at FROM deliveries').all()).results;
const admin = (w, path, init = {}) => w.call(path, { method: 'GET', auth: ADMIN_AUTH, ...init });
/** Moves every row's last change `ms` into the past (as if that much time went by). */
const age = (w, ms) => w.db.prepare('UPDATE deliveries SET updated_at = updated_at - ?1, created_at = created_at - ?1').bind(ms).run();

async function until(check, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('issue 16: Worker and ledger reliability (Miniflare / workerd, local D1)', () => {
  before(async () => {
    jc = await startFakeJeriCommerce();
    pn = await startFakePassNinja();
    wc = await startFakeWalletCrew();
  });

  after(async () => {
    try {
      for (const { w, bindings } of started) {
        if (w.logs.length > 0) assertCleanLogs(w.logs, [bindings.JERICOMMERCE_API_KEY, bindings.PASSNINJA_API_KEY, bindings.WALLETCREW_API_KEY, SECRET, ADMIN]);
      }
    } finally {
      await Promise.all(started.map(({ w }) => w.stop()));
      await Promise.all([jc?.stop(), pn?.stop(), wc?.stop()]);
    }
  });

  beforeEach(() => {
    jc.reset();
    pn.reset();
    wc.reset();
  });

  it('item 1: PASSBRIDGE_DELIVERY_KEY="{{ event.id }}" does not stop the idempotent routes whose body has no event', async () => {
    const w = await worker({ PASSBRIDGE_DELIVERY_KEY: '{{ event.id }}' });
    const routes = [
      ['/passninja/update', { person: { external_id: SERIAL, properties: { loyalty_points: 10 } } }, 200],
      ['/passninja/delete', { person: { external_id: SERIAL } }, 200],
      ['/walletcrew/push-update', { person: { email: EMAIL, external_id: 'cust-1', properties: { loyalty_points: 10 } } }, 200],
      ['/walletcrew/profile-sync', { person: { email: EMAIL } }, 202],
    ];
    pn.script(200, 200);
    for (const [path, body, upstreamStatus] of routes) {
      const before = upstream();
      const a = await w.call(path, { json: body });
      assert.ok(a.status >= 200 && a.status < 300, `${path}: ${a.status} ${a.text}`);
      assert.equal(a.log.upstreamStatus, upstreamStatus, path);
      assert.equal(upstream(), before + 1, `${path}: sent once`);
      assert.equal(a.log.keySource, 'body', path);
      assert.equal(a.headers.get('passbridge-delivery'), deliveryId(path, bodyKey(path, JSON.stringify(body))), path);
      assert.equal(a.log.delivery, a.headers.get('passbridge-delivery'));
    }
    // The balance change keeps its rule: the key comes from the event...
    const withId = await w.call(BALANCE, { json: balanceBody(3, { id: 'evt_1' }) });
    assert.equal(withId.status, 200, withId.text);
    assert.equal(withId.log.keySource, 'template');
    assert.equal(withId.headers.get('passbridge-delivery'), deliveryId(BALANCE, 'evt_1'));
    // ... the header wins ...
    const header = await w.call(BALANCE, { json: balanceBody(4, { id: 'evt_2' }), headers: { 'idempotency-key': 'k-1' } });
    assert.equal(header.status, 200, header.text);
    assert.equal(header.log.keySource, 'header');
    // ... and without an event it is still refused: nothing sent, no key chosen.
    const sent = upstream();
    const none = await w.call(BALANCE, { json: { person: { email: EMAIL } } });
    assertProblem(none, 400, 'invalid_profile');
    assert.match(none.json.detail, /PASSBRIDGE_DELIVERY_KEY/);
    assert.equal(none.log.keySource, null);
    assert.equal(upstream(), sent);
    // Answers before any key (401) say so too.
    const unauth = await w.call(BALANCE, { json: balanceBody(1), auth: 'Bearer nope', flowId: null });
    assert.equal(unauth.status, 401);
    await w.waitForLogs(w.logs.length);
    assert.equal(JSON.parse(w.logs.at(-1)).keySource, null);
  });

  it('item 3: a failed final D1 write answers 503 ledger_unavailable; the stale pending row is listed, resolvable and resendable', async () => {
    const w = await worker();
    jc.script({ status: 200, apply: true });
    const first = await w.call(BALANCE, { json: balanceBody(7), headers: { 'x-test-d1-fail': FINISH_SQL } });
    assertProblem(first, 503, 'ledger_unavailable');
    assert.equal(first.headers.get('retry-after'), '30');
    assert.equal(first.log.ledger, 'pending');
    assert.equal(jc.balanceOf(EMAIL), 7, 'the provider applied it');
    const id = first.headers.get('passbridge-delivery');
    assert.deepEqual((await rowsOf(w)).map((r) => [r.id, r.state]), [[id, 'pending']]);
    // Klaviyo resends at once: the row is live, nothing is sent.
    const again = await w.call(BALANCE, { json: balanceBody(7) });
    assertProblem(again, 503, 'delivery_in_progress');
    assert.equal(jc.requests.length, 1);
    // A live pending row cannot be resolved yet.
    const early = await admin(w, `/deliveries/${id}/resolve`, { method: 'POST', json: { applied: true } });
    assertProblem(early, 409, 'invalid_state');
    // Past the stale limit a person finds it and resolves it.
    await age(w, 121_000);
    const listed = await admin(w, '/deliveries', { query: '?state=pending' });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.json.deliveries.map((d) => [d.delivery, d.state]), [[id, 'pending']]);
    const resolved = await admin(w, `/deliveries/${id}/resolve`, { method: 'POST', json: { applied: true } });
    assert.equal(resolved.status, 200, resolved.text);
    assert.equal(resolved.json.state, 'done');
    assert.equal(jc.requests.length, 1, 'resolve sends nothing');

    // Another one: resend it instead (exactly one more request).
    jc.script({ status: 200, apply: true });
    const second = await w.call(BALANCE, { json: balanceBody(9), headers: { 'x-test-d1-fail': FINISH_SQL } });
    assertProblem(second, 503, 'ledger_unavailable');
    const id2 = second.headers.get('passbridge-delivery');
    await age(w, 121_000);
    const resent = await admin(w, `/deliveries/${id2}/resend`, { method: 'POST' });
    assert.equal(resent.status, 200, resent.text);
    assert.equal(resent.log.ledger, 'done');
    assert.equal(jc.requests.length, 3);
    const states = Object.fromEntries((await rowsOf(w)).map((r) => [r.id, r.state]));
    assert.deepEqual(states, { [id]: 'done', [id2]: 'done' });
    // A resend whose final write fails is not answered 200 either.
    const third = await w.call(BALANCE, { json: balanceBody(11), headers: { 'x-test-d1-fail': FINISH_SQL } });
    const id3 = third.headers.get('passbridge-delivery');
    await age(w, 121_000);
    const unrecorded = await admin(w, `/deliveries/${id3}/resend`, { method: 'POST', headers: { 'x-test-d1-fail': FINISH_SQL } });
    assertProblem(unrecorded, 503, 'ledger_unavailable');
  });

  it('item 4: a PassNinja create answered 2xx without a serialNumber is ambiguous (202) and can be resolved', async () => {
    const w = await worker();
    pn.script({ status: 201, body: { passTemplate: 'x' } });
    const body = { person: { email: EMAIL, properties: { loyalty_points: 5 } } };
    const a = await w.call(CREATE, { json: body });
    assert.equal(a.status, 202, a.text);
    assert.equal(a.json.ambiguous, true);
    assert.equal(a.log.ledger, 'ambiguous');
    assert.equal(a.log.upstreamStatus, 201);
    const id = a.headers.get('passbridge-delivery');
    assert.equal(a.json.delivery, id);
    assert.equal(pn.requests.length, 1);
    // Klaviyo's redelivery replays it; nothing is created twice.
    const again = await w.call(CREATE, { json: body });
    assert.equal(again.status, 202);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(pn.requests.length, 1);
    const listed = await admin(w, '/deliveries', { query: '?state=ambiguous' });
    assert.deepEqual(listed.json.deliveries.map((d) => d.delivery), [id]);
    const resolved = await admin(w, `/deliveries/${id}/resolve`, { method: 'POST', json: { applied: true } });
    assert.equal(resolved.status, 200, resolved.text);
    assert.equal(resolved.json.state, 'done');
  });

  it('item 5: the claim is dated when it is made: a body uploaded for 125 s does not make a live delivery stale', async () => {
    const w = await worker();
    jc.script({ status: 200, apply: true, delayMs: 800 });
    const slow = w.call(BALANCE, { json: balanceBody(12), headers: { 'x-test-started-ago': '125000' } });
    await until(() => jc.requests.length === 1, 'the first copy to reach the provider');
    const redelivery = await w.call(BALANCE, { json: balanceBody(12) });
    assertProblem(redelivery, 503, 'delivery_in_progress');
    assert.equal(redelivery.log.ledger, 'pending');
    const first = await slow;
    assert.equal(first.status, 200, first.text);
    assert.equal(first.log.ledger, 'done');
    assert.equal(jc.requests.length, 1);
    assert.equal(jc.balanceOf(EMAIL), 12);
    assert.deepEqual((await rowsOf(w)).map((r) => r.state), ['done']);
  });

  it('item 6: Idempotency-Key is trimmed of surrounding spaces and tabs (RFC 9110 §5.5)', async () => {
    const w = await worker();
    const first = await w.call(BALANCE, { json: balanceBody(2), headers: { 'idempotency-key': 'abc' } });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('passbridge-delivery'), deliveryId(BALANCE, 'abc'));
    for (const key of ['abc ', 'abc\t', ' \tabc']) {
      const a = await w.call(BALANCE, { json: balanceBody(2), headers: { 'idempotency-key': key } });
      assert.equal(a.status, 200, `${JSON.stringify(key)}: ${a.text}`);
      assert.equal(a.headers.get('idempotent-replayed'), 'true', JSON.stringify(key));
      assert.equal(a.headers.get('passbridge-delivery'), deliveryId(BALANCE, 'abc'));
    }
    // The same over the wire, byte for byte (a trailing space and a trailing tab).
    for (const key of ['abc ', 'abc\t']) {
      const body = JSON.stringify(balanceBody(2));
      const a = await w.raw(
        [`POST ${BALANCE} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${SECRET}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, `Idempotency-Key: ${key}`].join('\r\n'),
        [body],
      );
      assert.equal(a.status, 200, `${JSON.stringify(key)}: ${a.text}`);
      assert.equal(a.headers.get('passbridge-delivery'), deliveryId(BALANCE, 'abc'));
      assert.equal(a.headers.get('idempotent-replayed'), 'true');
    }
    assert.equal(jc.requests.length, 1, 'one credit');
    assert.equal(jc.balanceOf(EMAIL), 2);
  });

  it('item 7: a body that is not UTF-8 is 400 invalid_json naming the first bad byte; nothing is sent', async () => {
    const w = await worker();
    const prefix = Buffer.from(`{"person":{"email":"${EMAIL}","first_name":"A`);
    const suffix = Buffer.from('"},"event":{"points":5,"reason":"purchase"}}');
    for (const bad of [[0xff], [0xfe], [0xc3], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([prefix, Buffer.from(bad), suffix]);
      const a = await w.call(BALANCE, { body, headers: { 'content-type': 'application/json' } });
      assertProblem(a, 400, 'invalid_json');
      assert.match(a.json.detail, new RegExp(`offset ${prefix.length} \\(counted from 0\\)`), a.text);
      assert.equal(a.log.delivery, null);
      assert.equal(a.headers.get('passbridge-delivery'), null);
    }
    // Same on an idempotent route; and valid UTF-8 (é, 😀) still goes through.
    const upd = await w.call('/passninja/update', { body: Buffer.from([0x7b, 0x80, 0x7d]), headers: { 'content-type': 'application/json' } });
    assertProblem(upd, 400, 'invalid_json');
    assert.match(upd.json.detail, /offset 1 \(counted from 0\)/);
    assert.equal(upstream(), 0, 'nothing sent');
    assert.deepEqual(await rowsOf(w), []);
    const ok = await w.call(BALANCE, { body: Buffer.from(JSON.stringify(balanceBody(5, { note: 'é😀' }))), headers: { 'content-type': 'application/json' } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(jc.requests.length, 1);
  });
});
