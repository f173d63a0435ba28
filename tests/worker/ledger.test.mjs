// The delivery ledger (issue 7) in workerd (Miniflare) with a local D1
// database migrated from migrations/, against the fake providers on 127.0.0.1:
// at most one effect per delivery, replays from the ledger, ambiguous
// outcomes held for a person, the review API, retention, and no secret in
// any stored row.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { startWorker, startFakePassNinja, assertProblem, assertCleanLogs, closing, SECRET, EMAIL } from './helpers.mjs';

const BALANCE = '/jericommerce/balance';
const UPDATE = '/passninja/update';
const CREATE = '/passninja/create';
const ADMIN = 'adm_pbtest_9f8e7d6c5b4a39281706f5e4';
const ADMIN_AUTH = `Bearer ${ADMIN}`;
const SERIAL = '5d2b3f8a9c0e1f2a3b';
/** The Worker's budget in these tests: a hang is always longer than all of it. */
const BUDGET_MS = 1000;

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
/** The public id: first 32 hex of SHA-256(route + "\n" + key). */
const deliveryId = (route, key) => sha256(`${route}\n${key}`).slice(0, 32);
/** The body-hash key: SHA-256(route + "\n" + raw body). */
const bodyKey = (route, text) => sha256(`${route}\n${text}`);

const balanceBody = (points = 25, extra = {}) => ({
  person: { email: EMAIL },
  event: { points, reason: 'purchase', ...extra },
});

let jc;
let pn;
const started = [];

async function worker(extra = {}, options = {}) {
  const bindings = {
    PASSBRIDGE_WEBHOOK_SECRET: SECRET,
    PASSBRIDGE_ADMIN_SECRET: ADMIN,
    ...jc.env(),
    ...pn.env(),
    PASSBRIDGE_DELTA: '{{ event.points }}',
    PASSBRIDGE_REASON: 'Klaviyo {{ event.reason }}',
    PASSBRIDGE_BUDGET_MS: String(BUDGET_MS),
    ...extra,
  };
  for (const [k, v] of Object.entries(bindings)) if (v === undefined) delete bindings[k];
  const w = await startWorker(bindings, options);
  started.push({ w, bindings });
  return w;
}

/** Waits a moment, then asserts the fakes got exactly `n` requests in all. */
async function assertUpstream(n, message) {
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(jc.requests.length + pn.requests.length, n, message);
}

const rows = async (w) => (await w.db.prepare('SELECT * FROM deliveries ORDER BY created_at').all()).results;

function assertReplay(first, again) {
  assert.equal(again.status, first.status, again.text);
  assert.equal(again.text, first.text, 'the stored body, byte for byte');
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.headers.get('passbridge-delivery'), first.headers.get('passbridge-delivery'));
  assert.equal(again.log.replayed, true);
  assert.equal(first.headers.get('idempotent-replayed'), null);
}

describe('delivery ledger (Miniflare / workerd, local D1)', () => {
  before(async () => {
    jc = await startFakeJeriCommerce();
    pn = await startFakePassNinja();
  });

  after(async () => {
    try {
      for (const { w, bindings } of started) {
        // The retention run logs its own line: { outcome: "retention", deleted, days, error }.
        const requests = w.logs.filter((l) => JSON.parse(l).outcome !== 'retention');
        if (requests.length > 0) assertCleanLogs(requests, [bindings.JERICOMMERCE_API_KEY, bindings.PASSNINJA_API_KEY, SECRET, ADMIN]);
      }
    } finally {
      await Promise.all(started.map(({ w }) => w.stop()));
      await Promise.all([jc?.stop(), pn?.stop()]);
    }
  });

  beforeEach(() => {
    jc.reset();
    pn.reset();
  });

  it('five concurrent identical balance deliveries → exactly one upstream request, one credit', async () => {
    const w = await worker();
    jc.script({ status: 200, apply: true, delayMs: 150 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => w.call(BALANCE, { json: balanceBody(40) })));
    await assertUpstream(1, 'one balance change, whatever the concurrency');
    assert.equal(jc.balanceOf(EMAIL), 40);
    const fresh = answers.filter((a) => a.status === 200 && a.headers.get('idempotent-replayed') === null);
    assert.equal(fresh.length, 1, answers.map((a) => `${a.status} ${a.text}`).join('\n'));
    assert.equal(fresh[0].json.updated, true);
    const id = fresh[0].headers.get('passbridge-delivery');
    assert.equal(id, deliveryId(BALANCE, bodyKey(BALANCE, JSON.stringify(balanceBody(40)))));
    for (const a of answers) {
      assert.equal(a.headers.get('passbridge-delivery'), id);
      if (a === fresh[0]) continue;
      if (a.status === 503) {
        assertProblem(a, 503, 'delivery_in_progress');
        assert.equal(a.headers.get('retry-after'), '30');
        assert.equal(a.log.ledger, 'pending');
      } else {
        assertReplay(fresh[0], a);
      }
    }
    // Afterwards, every redelivery is a replay.
    assertReplay(fresh[0], await w.call(BALANCE, { json: balanceBody(40) }));
    await assertUpstream(1);
  });

  it('a replay of each final state: stored status and body, Idempotent-Replayed, nothing sent', async () => {
    const w = await worker();
    // done
    const done = await w.call(BALANCE, { json: balanceBody(1) });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.log.ledger, 'done');
    // failed (a 4xx other than 429)
    jc.script({ status: 400, body: { message: 'amount too large' } });
    const failed = await w.call(BALANCE, { json: balanceBody(2) });
    assertProblem(failed, 422, 'rejected');
    assert.equal(failed.log.ledger, 'failed');
    // ambiguous (a 5xx of a non-idempotent operation)
    jc.script({ status: 502, apply: true });
    const amb = await w.call(BALANCE, { json: balanceBody(3) });
    assert.equal(amb.status, 202, amb.text);
    assert.equal(amb.log.ledger, 'ambiguous');
    // dropped: a person said the ambiguous one was not applied
    jc.script(503);
    const toDrop = await w.call(BALANCE, { json: balanceBody(4) });
    assert.equal(toDrop.status, 202);
    const dropped = await w.call(`/deliveries/${toDrop.json.delivery}/resolve`, { auth: ADMIN_AUTH, json: { applied: false } });
    assert.equal(dropped.status, 200, dropped.text);
    assert.equal(dropped.json.state, 'dropped');
    await assertUpstream(4);
    jc.reset();
    for (const [first, body, state] of [
      [done, balanceBody(1), 'done'],
      [failed, balanceBody(2), 'failed'],
      [amb, balanceBody(3), 'ambiguous'],
      [toDrop, balanceBody(4), 'dropped'],
    ]) {
      const again = await w.call(BALANCE, { json: body });
      assertReplay(first, again);
      assert.equal(again.log.ledger, state);
      assert.equal(again.log.delivery, first.log.delivery);
    }
    await assertUpstream(0, 'a replay never reaches the provider');
  });

  it('a hang past the budget → 202 ambiguous; 17 redeliveries send nothing; review: list, resend once, resolve, 409, 401, 404', async () => {
    const w = await worker();
    jc.script('hang');
    const body = balanceBody(500);
    const first = await w.call(BALANCE, { json: body });
    assert.equal(first.status, 202, first.text);
    const id = first.headers.get('passbridge-delivery');
    assert.deepEqual(first.json, { accepted: true, ambiguous: true, delivery: id, code: 'network' });
    assert.ok(first.ms < BUDGET_MS + 1500, `answered within the budget (${first.ms} ms)`);
    assert.equal(jc.requests.length, 1);
    // Klaviyo would not resend a 202; even if it did, 17 times:
    for (let i = 0; i < 17; i++) {
      const again = await w.call(BALANCE, { json: body });
      assertReplay(first, again);
    }
    assert.equal(jc.requests.length, 1, 'no redelivery reaches the provider');

    // The review API: 401 without or with a wrong secret, and the webhook secret is not the admin secret.
    for (const auth of [null, `Bearer ${ADMIN}x`, `Bearer ${SECRET}`]) {
      const a = await w.call('/deliveries?state=ambiguous', { method: 'GET', auth });
      assertProblem(a, 401, 'unauthorized');
      assert.equal(a.headers.get('www-authenticate'), 'Bearer');
    }
    const list = await w.call('/deliveries?state=ambiguous', { method: 'GET', auth: ADMIN_AUTH });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.next, null);
    assert.equal(list.json.deliveries.length, 1);
    const d = list.json.deliveries[0];
    assert.deepEqual(Object.keys(d).sort(), ['actions', 'attempts', 'code', 'createdAt', 'delivery', 'request', 'route', 'state', 'updatedAt', 'upstreamStatus']);
    assert.equal(d.delivery, id);
    assert.equal(d.route, BALANCE);
    assert.equal(d.state, 'ambiguous');
    assert.equal(d.attempts, 1);
    assert.equal(d.code, 'network');
    assert.equal(d.upstreamStatus, null);
    assert.match(d.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(d.request, {
      method: 'POST',
      url: `${jc.url}${jc.balancePath('increase')}`,
      body: JSON.stringify([{ email: EMAIL, amount: 500, reason: 'Klaviyo purchase' }]),
    });
    assert.ok(!JSON.stringify(d).includes(jc.apiKey));
    const one = await w.call(`/deliveries/${id}`, { method: 'GET', auth: ADMIN_AUTH });
    assert.deepEqual(one.json, d);
    assertProblem(await w.call(`/deliveries/${'0'.repeat(32)}`, { method: 'GET', auth: ADMIN_AUTH }), 404, 'delivery_not_found');
    assertProblem(await w.call(`/deliveries/${id}`, { method: 'POST', auth: ADMIN_AUTH, json: {} }), 405, 'method_not_allowed');
    assertProblem(await w.call('/deliveries?limit=0', { method: 'GET', auth: ADMIN_AUTH }), 400, 'invalid_request');

    // resend: exactly one more upstream request, with today's credentials; the answer moves the state.
    jc.reset();
    const resent = await w.call(`/deliveries/${id}/resend`, { auth: ADMIN_AUTH });
    assert.equal(resent.status, 200, resent.text);
    assert.equal(resent.json.updated, true);
    assert.equal(resent.headers.get('passbridge-delivery'), id);
    assert.equal(jc.requests.length, 1, 'resend sends exactly once');
    assert.equal(jc.requests[0].headers['api-key'], jc.apiKey);
    assert.equal(jc.requests[0].body, d.request.body, 'the same request as the first time');
    assert.equal(jc.balanceOf(EMAIL), 500);
    const after = await w.call(`/deliveries/${id}`, { method: 'GET', auth: ADMIN_AUTH });
    assert.equal(after.json.state, 'done');
    assert.equal(after.json.attempts, 2);
    assert.equal(after.json.upstreamStatus, 200);
    // A redelivery now replays the resend's answer.
    const replay = await w.call(BALANCE, { json: body });
    assertReplay(resent, replay);
    // 409: done cannot be resent nor resolved.
    assertProblem(await w.call(`/deliveries/${id}/resend`, { auth: ADMIN_AUTH }), 409, 'invalid_state');
    assertProblem(await w.call(`/deliveries/${id}/resolve`, { auth: ADMIN_AUTH, json: { applied: true } }), 409, 'invalid_state');
    assert.equal(jc.requests.length, 1);

    // resolve from ambiguous: applied → done (never sent again).
    jc.reset();
    jc.script(500);
    const amb2 = await w.call(BALANCE, { json: balanceBody(7) });
    assert.equal(amb2.status, 202);
    const id2 = amb2.json.delivery;
    assertProblem(await w.call(`/deliveries/${id2}/resolve`, { auth: ADMIN_AUTH, json: { applied: 'yes' } }), 400, 'invalid_request');
    const resolved = await w.call(`/deliveries/${id2}/resolve`, { auth: ADMIN_AUTH, json: { applied: true } });
    assert.equal(resolved.status, 200, resolved.text);
    assert.equal(resolved.json.state, 'done');
    assertProblem(await w.call(`/deliveries/${id2}/resolve`, { auth: ADMIN_AUTH, json: { applied: false } }), 409, 'invalid_state');
    assertReplay(amb2, await w.call(BALANCE, { json: balanceBody(7) }));
    assert.equal(jc.requests.length, 1);
    const ambiguousNow = await w.call('/deliveries?state=ambiguous', { method: 'GET', auth: ADMIN_AUTH });
    assert.deepEqual(ambiguousNow.json, { deliveries: [], next: null });
  });

  it('failed can be resent; a dropped one cannot; a resend that is throttled keeps its state', async () => {
    const w = await worker();
    jc.script({ status: 400, body: { message: 'no such member' } });
    const failed = await w.call(BALANCE, { json: balanceBody(9) });
    assertProblem(failed, 422, 'rejected');
    const id = failed.headers.get('passbridge-delivery');
    jc.script({ status: 429, retryAfter: 7 });
    const throttled = await w.call(`/deliveries/${id}/resend`, { auth: ADMIN_AUTH });
    assertProblem(throttled, 503, 'throttled');
    assert.equal((await w.call(`/deliveries/${id}`, { method: 'GET', auth: ADMIN_AUTH })).json.state, 'failed');
    const ok = await w.call(`/deliveries/${id}/resend`, { auth: ADMIN_AUTH });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(jc.requests.length, 3);
    jc.reset();
    jc.script(500);
    const amb = await w.call(BALANCE, { json: balanceBody(10) });
    await w.call(`/deliveries/${amb.json.delivery}/resolve`, { auth: ADMIN_AUTH, json: { applied: false } });
    assertProblem(await w.call(`/deliveries/${amb.json.delivery}/resend`, { auth: ADMIN_AUTH }), 409, 'invalid_state');
    assert.equal(jc.requests.length, 1);
  });

  it('the list is newest first, filtered, paged with an opaque cursor', async () => {
    const w = await worker({ PASSBRIDGE_LEDGER: 'all' });
    for (let i = 1; i <= 5; i++) {
      const a = await w.call(BALANCE, { json: balanceBody(i) });
      assert.equal(a.status, 200);
      await new Promise((r) => setTimeout(r, 3));
    }
    const u = await w.call(UPDATE, { json: { person: { external_id: SERIAL, properties: { loyalty_points: 1 } } } });
    assert.equal(u.status, 200);
    const seen = [];
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const q = `?route=${encodeURIComponent(BALANCE)}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const a = await w.call(`/deliveries${q}`, { method: 'GET', auth: ADMIN_AUTH });
      assert.equal(a.status, 200, a.text);
      seen.push(...a.json.deliveries);
      cursor = a.json.next;
      if (cursor === null) break;
    }
    assert.equal(seen.length, 5);
    assert.ok(seen.every((d) => d.route === BALANCE));
    const amounts = seen.map((d) => JSON.parse(d.request.body)[0].amount);
    assert.deepEqual(amounts, [5, 4, 3, 2, 1], 'newest first');
    const all = await w.call('/deliveries', { method: 'GET', auth: ADMIN_AUTH });
    assert.equal(all.json.deliveries.length, 6);
    assert.equal(all.json.deliveries[0].route, UPDATE);
    const byState = await w.call('/deliveries?state=failed', { method: 'GET', auth: ADMIN_AUTH });
    assert.deepEqual(byState.json.deliveries, []);
  });

  it('an idempotent route after a provider 503 sends again; a done update is replayed (all, and auto since issue 15)', async () => {
    const body = { person: { external_id: SERIAL, properties: { loyalty_points: 77 } } };
    const all = await worker({ PASSBRIDGE_LEDGER: 'all', PASSBRIDGE_BUDGET_MS: '300' });
    pn.script(closing(503), closing(503), closing(503), closing(503));
    const first = await all.call(UPDATE, { json: body });
    assertProblem(first, 503, 'upstream_unavailable');
    assert.equal(first.log.ledger, 'released');
    const sentFirst = pn.requests.length;
    assert.ok(sentFirst >= 1);
    pn.reset();
    const second = await all.call(UPDATE, { json: body });
    assert.equal(second.status, 200, second.text);
    assert.equal(pn.requests.length, 1, 'the claim was released: the redelivery sends');
    assert.equal(second.log.ledger, 'done');
    const third = await all.call(UPDATE, { json: body });
    assertReplay(second, third);
    assert.equal(pn.requests.length, 1, 'with all, a done update is a replay');

    const auto = await worker();
    pn.reset();
    const a1 = await auto.call(UPDATE, { json: body });
    const a2 = await auto.call(UPDATE, { json: body });
    assert.equal(a1.status, 200);
    assert.equal(a1.log.ledger, 'done');
    // Issue 15: auto records the routes that set a pass to a state (ordering).
    assertReplay(a1, a2);
    assert.equal(pn.requests.length, 1, 'with auto, a done update is recorded: replayed');
    assert.equal(a1.headers.get('passbridge-delivery'), a2.headers.get('passbridge-delivery'));
    assert.deepEqual((await rows(auto)).map((r) => r.state), ['done']);
  });

  it('429 and idempotent failures release the claim; a balance 429 is sent again on redelivery', async () => {
    const w = await worker();
    jc.script({ status: 429, retryAfter: 2 });
    const a = await w.call(BALANCE, { json: balanceBody(11) });
    assertProblem(a, 503, 'throttled');
    assert.equal(a.headers.get('retry-after'), '2');
    assert.deepEqual(await rows(w), []);
    const b = await w.call(BALANCE, { json: balanceBody(11) });
    assert.equal(b.status, 200);
    assert.equal(jc.requests.length, 2);
    assert.equal(jc.balanceOf(EMAIL), 11);
  });

  it('PassNinja create is recorded too: an uncertain create is held, never a second pass', async () => {
    const w = await worker();
    pn.script(closing({ status: 500, apply: true }));
    const body = { person: { email: EMAIL, properties: { loyalty_points: 3 } } };
    const a = await w.call(CREATE, { json: body });
    assert.equal(a.status, 202, a.text);
    assert.equal(a.json.code, 'upstream_unavailable');
    assertReplay(a, await w.call(CREATE, { json: body }));
    assert.equal(pn.requests.length, 1);
  });

  it('Idempotency-Key, PASSBRIDGE_DELIVERY_KEY and the body hash each decide identity', async () => {
    // Idempotency-Key: equal bodies with two keys are two deliveries; one key with two bodies is one.
    const w = await worker();
    const body = balanceBody(5);
    const k1 = await w.call(BALANCE, { json: body, headers: { 'Idempotency-Key': 'order-1001' } });
    const k2 = await w.call(BALANCE, { json: body, headers: { 'Idempotency-Key': 'order-1002' } });
    assert.equal(k1.status, 200);
    assert.equal(k2.status, 200);
    assert.equal(k2.headers.get('idempotent-replayed'), null);
    assert.equal(k1.headers.get('passbridge-delivery'), deliveryId(BALANCE, 'order-1001'));
    const k1again = await w.call(BALANCE, { json: balanceBody(6), headers: { 'Idempotency-Key': 'order-1001' } });
    assertReplay(k1, k1again);
    assert.equal(jc.requests.length, 2);
    // The same key on another route is another delivery.
    const other = await w.call(CREATE, { json: { person: { email: EMAIL } }, headers: { 'Idempotency-Key': 'order-1001' } });
    assert.equal(other.status, 200, other.text);
    assert.equal(other.headers.get('passbridge-delivery'), deliveryId(CREATE, 'order-1001'));
    for (const bad of ['x'.repeat(201), 'tab\there', 'ünï']) {
      const a = await w.call(BALANCE, { json: body, headers: { 'Idempotency-Key': bad } });
      assertProblem(a, 400, 'invalid_idempotency_key');
    }

    // Body hash: two identical bodies are one delivery; any byte of difference is another.
    jc.reset();
    const h1 = await w.call(BALANCE, { json: JSON.stringify(balanceBody(8)) });
    const h2 = await w.call(BALANCE, { json: JSON.stringify(balanceBody(8)) });
    const h3 = await w.call(BALANCE, { json: `${JSON.stringify(balanceBody(8))} ` });
    assertReplay(h1, h2);
    assert.equal(h3.headers.get('idempotent-replayed'), null);
    assert.equal(jc.requests.length, 2);

    // PASSBRIDGE_DELIVERY_KEY: event.id decides, whatever else differs.
    jc.reset();
    const t = await worker({ PASSBRIDGE_DELIVERY_KEY: '{{ event.id }}' });
    const e1 = await t.call(BALANCE, { json: balanceBody(3, { id: 'evt_1' }) });
    const e1b = await t.call(BALANCE, { json: { ...balanceBody(3, { id: 'evt_1' }), extra: 'resent later' } });
    const e2 = await t.call(BALANCE, { json: balanceBody(3, { id: 'evt_2' }) });
    assert.equal(e1.headers.get('passbridge-delivery'), deliveryId(BALANCE, 'evt_1'));
    assertReplay(e1, e1b);
    assert.equal(e2.status, 200);
    assert.equal(e2.headers.get('idempotent-replayed'), null);
    assert.equal(jc.requests.length, 2);
    // The header still wins over the template.
    const hdr = await t.call(BALANCE, { json: balanceBody(3, { id: 'evt_1' }), headers: { 'Idempotency-Key': 'manual-1' } });
    assert.equal(hdr.headers.get('passbridge-delivery'), deliveryId(BALANCE, 'manual-1'));
    // An empty render is a 400 naming the variable; nothing is recorded or sent.
    const empty = await t.call(BALANCE, { json: balanceBody(3) });
    const p = assertProblem(empty, 400, 'invalid_profile');
    assert.match(p.detail, /PASSBRIDGE_DELIVERY_KEY/);
    assert.equal(jc.requests.length, 3);
    // An invalid template is a 500 configuration error on every request.
    const broken = await worker({ PASSBRIDGE_DELIVERY_KEY: '{{ event.id|shout }}' });
    for (const path of [BALANCE, UPDATE]) {
      const a = await broken.call(path, { json: balanceBody(1, { id: 'e' }) });
      const q = assertProblem(a, 500, 'invalid_template');
      assert.match(q.detail, /PASSBRIDGE_DELIVERY_KEY/);
    }
    assert.equal(jc.requests.length, 3);
  });

  it('guard skips and input errors are answered as today and not recorded', async () => {
    const w = await worker();
    const skip = await w.call(BALANCE, { json: balanceBody(0) });
    assert.deepEqual(skip.json, { skipped: true, reason: 'zero delta' });
    assertProblem(await w.call(BALANCE, { json: '{"person":' }), 400, 'invalid_json');
    assertProblem(await w.call(BALANCE, { json: balanceBody('lots') }), 400, 'invalid_profile');
    assertProblem(await w.call(BALANCE, { json: balanceBody(1), auth: 'Bearer nope' }), 401, 'unauthorized');
    assertProblem(await w.call(BALANCE, { body: '{}', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    assertProblem(await w.call(BALANCE, { method: 'PUT', json: balanceBody(1) }), 405, 'method_not_allowed');
    assert.deepEqual(await rows(w), []);
    await assertUpstream(0);
  });

  it('a pending claim older than 120 s: balance becomes ambiguous (not sent), an idempotent one is claimable again', async () => {
    const w = await worker({ PASSBRIDGE_LEDGER: 'all' });
    const old = Date.now() - 121_000;
    const insert = (id, route) =>
      w.db
        .prepare("INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, request_method, request_url, request_body, input) VALUES (?1, ?2, 'pending', ?3, ?3, 1, 'POST', 'x', '', '{}')")
        .bind(id, route, old)
        .run();
    const bBody = JSON.stringify(balanceBody(12));
    const bId = deliveryId(BALANCE, bodyKey(BALANCE, bBody));
    await insert(bId, BALANCE);
    const b = await w.call(BALANCE, { json: bBody });
    assert.equal(b.status, 202, b.text);
    assert.deepEqual(b.json, { accepted: true, ambiguous: true, delivery: bId, code: 'network' });
    assert.equal(jc.requests.length, 0, 'an instance died while sending: never sent again automatically');
    assertReplay(b, await w.call(BALANCE, { json: bBody }));

    const uBody = JSON.stringify({ person: { external_id: SERIAL, properties: { loyalty_points: 9 } } });
    const uId = deliveryId(UPDATE, bodyKey(UPDATE, uBody));
    await insert(uId, UPDATE);
    const u = await w.call(UPDATE, { json: uBody });
    assert.equal(u.status, 200, u.text);
    assert.equal(pn.requests.length, 1);
    const row = (await w.db.prepare('SELECT state, attempts FROM deliveries WHERE id = ?1').bind(uId).first());
    assert.deepEqual(row, { state: 'done', attempts: 2 });
    // A fresh pending one is in progress.
    const fresh = JSON.stringify(balanceBody(13));
    await w.db
      .prepare("INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, request_method, request_url, input) VALUES (?1, ?2, 'pending', ?3, ?3, 1, 'POST', 'x', '{}')")
      .bind(deliveryId(BALANCE, bodyKey(BALANCE, fresh)), BALANCE, Date.now())
      .run();
    assertProblem(await w.call(BALANCE, { json: fresh }), 503, 'delivery_in_progress');
  });

  it('PASSBRIDGE_LEDGER=off and a missing binding; /health reports the ledger', async () => {
    const missing = await worker({}, { ledger: false });
    const m = await missing.call(BALANCE, { json: balanceBody(1) });
    const p = assertProblem(m, 500, 'missing_config');
    assert.match(p.detail, /LEDGER/);
    assertProblem(await missing.call(CREATE, { json: { person: { email: EMAIL } } }), 500, 'missing_config');
    const u = await missing.call(UPDATE, { json: { person: { external_id: SERIAL } } });
    assert.equal(u.status, 200, 'the other routes work as today');
    assert.equal((await missing.call('/health', { method: 'GET', auth: null })).json.ledger, 'missing');
    const allMissing = await worker({ PASSBRIDGE_LEDGER: 'all' }, { ledger: false });
    assertProblem(await allMissing.call(UPDATE, { json: { person: { external_id: SERIAL } } }), 500, 'missing_config');
    assert.equal((await allMissing.call('/health', { method: 'GET', auth: null })).json.ledger, 'missing');
    assertProblem(await missing.call('/deliveries', { method: 'GET', auth: ADMIN_AUTH }), 500, 'missing_config');

    jc.reset();
    const off = await worker({ PASSBRIDGE_LEDGER: 'off' }, { ledger: false });
    jc.script(500);
    const o = await off.call(BALANCE, { json: balanceBody(2) });
    assertProblem(o, 503, 'upstream_unavailable');
    assert.equal(o.log.ledger, 'off');
    assert.equal(o.log.replayed, false);
    const o2 = await off.call(BALANCE, { json: balanceBody(2) });
    assert.equal(o2.status, 200);
    assert.equal(jc.requests.length, 2, 'off: today behaviour, every delivery is sent');
    const ou = await off.call(UPDATE, { json: { person: { external_id: SERIAL } } });
    assert.equal(ou.log.ledger, null);
    assert.equal((await off.call('/health', { method: 'GET', auth: null })).json.ledger, 'off');
    const all = await worker({ PASSBRIDGE_LEDGER: 'all' });
    assert.equal((await all.call('/health', { method: 'GET', auth: null })).json.ledger, 'all');
    assertProblem(await (await worker({ PASSBRIDGE_LEDGER: 'sometimes' })).call(BALANCE, { json: balanceBody(1) }), 500, 'invalid_config');
  });

  it('the review API does not exist without PASSBRIDGE_ADMIN_SECRET', async () => {
    const w = await worker({ PASSBRIDGE_ADMIN_SECRET: undefined });
    for (const [method, path] of [
      ['GET', '/deliveries'],
      ['GET', `/deliveries/${'a'.repeat(32)}`],
      ['POST', `/deliveries/${'a'.repeat(32)}/resend`],
    ]) {
      assertProblem(await w.call(path, { method, auth: ADMIN_AUTH, json: method === 'POST' ? {} : undefined }), 404, 'route_not_found');
      assertProblem(await w.call(path, { method, auth: `Bearer ${SECRET}`, json: method === 'POST' ? {} : undefined }), 404, 'route_not_found');
    }
  });

  it('retention: the scheduled handler deletes old rows, never ambiguous ones, bounded and idempotent', async () => {
    const w = await worker({ PASSBRIDGE_LEDGER_DAYS: '2' });
    const day = 86_400_000;
    const now = Date.now();
    const put = (id, state, route, age) =>
      w.db
        .prepare("INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, request_method, request_url, input) VALUES (?1, ?2, ?3, ?4, ?4, 1, 'POST', 'x', '{}')")
        .bind(id, route, state, now - age)
        .run();
    const id = (n) => n.toString(16).padStart(32, '0');
    await put(id(1), 'done', BALANCE, 3 * day);
    await put(id(2), 'failed', BALANCE, 3 * day);
    await put(id(3), 'dropped', BALANCE, 3 * day);
    await put(id(4), 'ambiguous', BALANCE, 30 * day);
    await put(id(5), 'pending', BALANCE, 3 * day);
    await put(id(6), 'pending', UPDATE, 3 * day);
    await put(id(7), 'done', BALANCE, 1 * day);
    const many = w.db.prepare("INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, request_method, request_url, input) VALUES (?1, ?2, 'done', ?3, ?3, 1, 'PATCH', 'x', '{}')");
    await w.db.batch(Array.from({ length: 620 }, (_, i) => many.bind(id(1000 + i), UPDATE, now - 5 * day - i)));
    const worker_ = await w.mf.getWorker();
    const before = w.logs.length;
    await worker_.scheduled({ cron: '17 3 * * *' });
    await w.waitForLogs(before + 1);
    const line = JSON.parse(w.logs.at(-1));
    assert.equal(line.outcome, 'retention');
    assert.equal(line.deleted, 500, 'bounded per run');
    await worker_.scheduled({ cron: '17 3 * * *' });
    await worker_.scheduled({ cron: '17 3 * * *' });
    const left = (await rows(w)).map((r) => r.id).sort();
    assert.deepEqual(left, [id(4), id(5), id(7)]);
    // Run again: nothing more.
    await worker_.scheduled({ cron: '17 3 * * *' });
    assert.deepEqual((await rows(w)).map((r) => r.id).sort(), left);
    assert.equal(JSON.parse(w.logs.at(-1)).deleted, 0);
    // A ledger window below two days is refused (Klaviyo resends for 24 hours).
    const short = await worker({ PASSBRIDGE_LEDGER_DAYS: '1' });
    assertProblem(await short.call(BALANCE, { json: balanceBody(1) }), 500, 'invalid_config');
  });

  it('the D1 rows hold no API key, webhook secret or admin secret', async () => {
    const w = await worker({ PASSBRIDGE_LEDGER: 'all' });
    await w.call(BALANCE, { json: balanceBody(21) });
    jc.script({ status: 401, body: `Invalid api-key ${jc.apiKey}` });
    await w.call(BALANCE, { json: balanceBody(22) });
    jc.script(503);
    await w.call(BALANCE, { json: balanceBody(23) });
    await w.call(UPDATE, { json: { person: { external_id: SERIAL } } });
    await w.call(CREATE, { json: { person: { email: EMAIL } } });
    const all = await rows(w);
    assert.ok(all.length >= 5, JSON.stringify(all));
    const dump = JSON.stringify(all);
    for (const secret of [jc.apiKey, pn.apiKey, SECRET, ADMIN, 'Bearer']) {
      assert.ok(!dump.includes(secret), `a D1 row holds ${secret}`);
    }
    assert.deepEqual(new Set(all.map((r) => r.state)), new Set(['done', 'failed', 'ambiguous']));
  });
});
