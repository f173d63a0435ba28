// GET /review and what the deliveries page reads from the review API
// (issue 18), in workerd (Miniflare) with a local D1: the page's bytes and
// headers (both variants), and for every state the core knows, the
// `actions` a delivery offers are exactly the decisions not answered 409.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { startWorker, assertProblem, SECRET, EMAIL } from './helpers.mjs';
import reviewPage from '../../dist/review-page.mjs';

const ADMIN = 'adm_pbtest_review_5e4d3c2b1a09f8e7';
const ADMIN_AUTH = `Bearer ${ADMIN}`;
const BALANCE = '/jericommerce/balance';
const DECISIONS = [
  ['applied', 'resolve', { applied: true }],
  ['drop', 'resolve', { applied: false }],
  ['resend', 'resend', undefined],
];

let jc;
let w;
let n = 0;

/** A stored delivery in `state`, last changed at `createdAt` (straight into the ledger), with a webhook body a resend can plan. */
async function storedRow(state, createdAt = Date.now() - 60_000) {
  const id = (++n).toString(16).padStart(32, '0');
  const input = JSON.stringify({ person: { email: EMAIL }, event: { points: 5, reason: 'purchase' } });
  const body = JSON.stringify([{ email: EMAIL, amount: 5, reason: 'Klaviyo purchase' }]);
  await w.db
    .prepare('INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, request_method, request_url, request_body, input) VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5, ?6, ?7, ?8)')
    .bind(id, BALANCE, state, createdAt, 'POST', `${jc.url}${jc.balancePath('increase')}`, body, input)
    .run();
  return id;
}

describe('GET /review and the review API for the deliveries page (workerd, local D1)', () => {
  before(async () => {
    jc = await startFakeJeriCommerce();
    w = await startWorker({
      PASSBRIDGE_WEBHOOK_SECRET: SECRET,
      PASSBRIDGE_ADMIN_SECRET: ADMIN,
      ...jc.env(),
      PASSBRIDGE_DELTA: '{{ event.points }}',
      PASSBRIDGE_REASON: 'Klaviyo {{ event.reason }}',
    });
  });
  after(async () => {
    await w?.stop();
    await jc?.stop();
  });

  it('answers the page with no-store, no-referrer, a frame-denying CSP, and logs it', async () => {
    const res = await w.mf.dispatchFetch(new URL('/review', w.url));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), reviewPage.on);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /^default-src 'none';/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /https?:|\*|unsafe-eval/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    for (const s of [ADMIN, SECRET, jc.apiKey]) assert.ok(!reviewPage.on.includes(s));
    const head = await w.call('/review', { method: 'HEAD', auth: null });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal(head.headers.get('cache-control'), 'no-store');
    assert.equal(head.headers.get('content-security-policy'), csp);
    assert.deepEqual([head.log.route, head.log.status, head.log.outcome, head.log.code], ['/review', 200, 'review_page', null]);
    const post = await w.call('/review', { json: {} });
    assertProblem(post, 405, 'method_not_allowed');
    assert.equal(post.headers.get('allow'), 'GET');
  });

  it('with PASSBRIDGE_ADMIN_SECRET unset (or empty) it answers the "off" page', async () => {
    for (const bindings of [{}, { PASSBRIDGE_ADMIN_SECRET: '' }]) {
      const bare = await startWorker(bindings);
      try {
        const res = await bare.mf.dispatchFetch(new URL('/review', bare.url));
        assert.equal(res.status, 200);
        assert.equal(await res.text(), reviewPage.off);
        assert.equal(res.headers.get('cache-control'), 'no-store');
      } finally {
        await bare.stop();
      }
    }
    assert.notEqual(reviewPage.on, reviewPage.off);
    assert.match(reviewPage.off, /data-review="off"/);
  });

  it('for every state (and a stale pending claim), `actions` lists exactly the decisions that are not answered 409', async () => {
    const summary = await w.call('/deliveries/summary', { method: 'GET', auth: ADMIN_AUTH });
    assert.equal(summary.status, 200, summary.text);
    assert.deepEqual(summary.json.states.slice(0, 2), ['ambiguous', 'failed']);
    // Every state one minute old, and a pending claim whose instance died (stale).
    const cases = [...summary.json.states.map((s) => [s, Date.now() - 60_000]), ['pending', Date.now() - 300_000]];
    for (const [state, at] of cases) {
      const probe = await storedRow(state, at);
      const actions = (await w.call(`/deliveries/${probe}`, { method: 'GET', auth: ADMIN_AUTH })).json.actions;
      assert.ok(actions.every((a) => DECISIONS.some(([name]) => name === a)), `${state}: ${actions}`);
      for (const [name, path, json] of DECISIONS) {
        const id = await storedRow(state, at);
        jc.reset();
        const a = await w.call(`/deliveries/${id}/${path}`, { auth: ADMIN_AUTH, ...(json ? { json } : {}) });
        if (actions.includes(name)) assert.notEqual(a.status, 409, `${state} ${name}: ${a.text}`);
        else {
          assertProblem(a, 409, 'invalid_state');
          assert.equal(jc.requests.length, 0, `${state} ${name}: nothing sent`);
        }
      }
    }
    const all = ['applied', 'drop', 'resend'];
    for (const [state, at, actions] of [
      ['ambiguous', 60_000, all],
      ['failed', 60_000, ['resend']],
      ['done', 60_000, []],
      ['dropped', 60_000, []],
      ['pending', 60_000, []],
      ['pending', 300_000, all],
    ]) {
      const id = await storedRow(state, Date.now() - at);
      assert.deepEqual((await w.call(`/deliveries/${id}`, { method: 'GET', auth: ADMIN_AUTH })).json.actions, actions, `${state} ${at}`);
    }
  });

  it('order=queue lists waiting deliveries first; the summary counts the last 24 hours', async () => {
    await w.db.prepare('DELETE FROM deliveries').run();
    const now = Date.now();
    const old = await storedRow('ambiguous', now - 3 * 86_400_000);
    const done = await storedRow('done', now - 1000);
    const failed = await storedRow('failed', now - 2000);
    const amb = await storedRow('ambiguous', now - 3000);
    const seen = [];
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const q = `?order=queue&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const a = await w.call(`/deliveries${q}`, { method: 'GET', auth: ADMIN_AUTH });
      assert.equal(a.status, 200, a.text);
      assert.equal(a.headers.get('cache-control'), 'no-store');
      seen.push(...a.json.deliveries.map((d) => d.delivery));
      cursor = a.json.next;
      if (cursor === null) break;
    }
    assert.deepEqual(seen, [amb, old, failed, done]);
    const newest = await w.call('/deliveries', { method: 'GET', auth: ADMIN_AUTH });
    assert.deepEqual(newest.json.deliveries.map((d) => d.delivery), [done, failed, amb, old], 'without order: newest first, as before');
    const s = await w.call('/deliveries/summary', { method: 'GET', auth: ADMIN_AUTH });
    assert.equal(s.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Object.keys(s.json.counts), s.json.states, 'every state, zero included');
    for (const [state, count] of Object.entries(s.json.counts)) {
      assert.equal(count, { ambiguous: 1, failed: 1, done: 1 }[state] ?? 0, state);
    }
    // Auto records balance and create and, since issue 15, the ordered routes.
    assert.deepEqual(s.json.routes, ['/passninja/update', '/passninja/create', '/passninja/delete', '/walletcrew/push-update', '/walletcrew/profile-sync', BALANCE]);
    assertProblem(await w.call('/deliveries/summary', { method: 'GET', auth: `Bearer ${SECRET}` }), 401, 'unauthorized');
  });
});
