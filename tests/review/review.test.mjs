// The deliveries page (GET /review, issue 18) in real headless Chromium over
// WebDriver, against `wrangler dev` with a local D1 filled by REAL deliveries
// to the fake providers on 127.0.0.1 (done balance changes, ambiguous ones
// from provider 5xx and a timeout, a failed create), plus two rows written
// straight into the ledger: one with hostile text in every stored field and
// one with a large body. A person signs in, lists, filters, pages, resolves
// both ways, resends, meets a 409, and nothing of the ledger ever runs as code.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser } from '../playground/webdriver.mjs';
import { saveScreenshot } from '../support/screenshots.mjs';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { startFakePassNinja, waitForPkg, closing, SECRET, EMAIL } from '../worker/helpers.mjs';
import { startDev } from './dev.mjs';
import reviewPage from '../../dist/review-page.mjs';

const ADMIN = 'adm_review_7f3e9a1c5b2d4e6f8a0b1c2d';
const BALANCE = '/jericommerce/balance';
const CREATE = '/passninja/create';
const DONE_ROWS = 51; // one more than the API's default page
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
// Each would set window.__pwned if the page ever treated ledger text as HTML.
const HOSTILE = `</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><svg onload="window.__pwned=3"></svg>`;
const HOSTILE_ID = 'f'.repeat(32);
const LARGE_ID = 'e'.repeat(32);
const LARGE_BODY = JSON.stringify([{ email: EMAIL, amount: 1, reason: `${'x'.repeat(60_000)}${HOSTILE}` }]);

const sql = (s) => `'${String(s).replaceAll("'", "''")}'`;
function seedSql(now) {
  const row = (id, route, state, at, status, code, method, url, body) =>
    `INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, upstream_status, code, outcome, answer_status, answer_body, request_method, request_url, request_body, input) VALUES (${sql(id)}, ${sql(route)}, ${sql(state)}, ${at}, ${at}, 1, ${status}, ${code === null ? 'NULL' : sql(code)}, 'error', 422, ${sql(HOSTILE)}, ${sql(method)}, ${sql(url)}, ${sql(body)}, ${sql(HOSTILE)});`;
  return [
    row(HOSTILE_ID, HOSTILE, 'failed', now - 3_600_000, 400, HOSTILE, HOSTILE, `https://x.example/${HOSTILE}`, HOSTILE),
    row(LARGE_ID, BALANCE, 'done', now - 7_200_000, 200, null, 'POST', 'https://api.jericommerce.com/v1/programs/acme/balance/increase', LARGE_BODY),
  ].join('\n');
}

let jc;
let pn;
let dev;
let browser;
const ids = {};

/** One webhook delivery to the Worker, as Klaviyo sends it. */
async function deliver(route, body) {
  const res = await fetch(dev.url + route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
    body: JSON.stringify(body),
  });
  await res.text();
  return { status: res.status, id: res.headers.get('passbridge-delivery') };
}

/** The review API, behind the page's back. */
async function api(path, { method = 'GET', body, secret = ADMIN, base = dev.url } = {}) {
  const headers = secret === null ? {} : { authorization: `Bearer ${secret}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, json, text };
}

const balance = (points, reason = 'purchase') => ({ person: { email: EMAIL }, event: { points, reason } });

/** The rows on screen: [{ id, state, actions }], in order. */
const shownRows = () =>
  browser.exec(() =>
    [...document.querySelectorAll('#deliveries [data-delivery]')].map((n) => ({
      id: n.dataset.delivery,
      state: n.dataset.state,
      actions: [...n.querySelectorAll('button[data-action]')].map((b) => b.dataset.action),
    })),
  );
const row = (id) => `#deliveries [data-delivery="${id}"]`;
const waitRowState = (id, state) =>
  browser.waitFor((sel, s) => document.querySelector(sel)?.dataset.state === s, [row(id), state], `${id} to be ${state}`);
const message = () => browser.text('#message');

/** Every page of the API's queue order for a filter. */
async function apiQueue(query = '') {
  const all = [];
  let cursor = null;
  for (let i = 0; i < 10; i++) {
    const q = `/deliveries?order=queue${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const a = await api(q);
    assert.equal(a.status, 200, a.text);
    all.push(...a.json.deliveries);
    cursor = a.json.next;
    if (cursor === null) break;
  }
  return all.map((d) => ({ id: d.delivery, state: d.state, actions: d.actions }));
}

/** Clicks a decision, checks the confirmation, confirms. */
async function decide(id, action, { expectRequest = false } = {}) {
  await browser.click(`${row(id)} button[data-action="${action}"]`);
  await browser.waitFor(() => document.querySelector('#confirmation').open, [], 'the confirmation');
  const shownRequest = await browser.text('#confirm-request');
  if (expectRequest) {
    const d = (await api(`/deliveries/${id}`)).json;
    assert.ok(shownRequest.startsWith(`${d.request.method} ${d.request.url}\n\n`), shownRequest.slice(0, 200));
    assert.deepEqual(JSON.parse(shownRequest.split('\n\n').slice(1).join('\n\n')), JSON.parse(d.request.body));
  }
  await browser.click('#confirm');
  await browser.waitFor(() => !document.querySelector('#confirmation').open, [], 'the confirmation to close');
}

describe('GET /review: the deliveries page in headless Chromium against wrangler dev', () => {
  before(async () => {
    await waitForPkg();
    jc = await startFakeJeriCommerce();
    pn = await startFakePassNinja();
    const env = { ...jc.env(), ...pn.env() };
    const secrets = { PASSBRIDGE_WEBHOOK_SECRET: SECRET, PASSBRIDGE_ADMIN_SECRET: ADMIN };
    const vars = { PASSBRIDGE_DELTA: '{{ event.points }}', PASSBRIDGE_REASON: 'Klaviyo {{ event.reason }}', PASSBRIDGE_BUDGET_MS: '1000', PASSBRIDGE_DRY_RUN: '0' };
    for (const [k, v] of Object.entries(env)) (k.endsWith('_API_KEY') ? secrets : vars)[k] = v;
    dev = await startDev({ secrets, vars, seedSql: seedSql(Date.now()) });

    // Real deliveries: done rows, a failed create, ambiguous balance changes (5xx, a timeout).
    for (let i = 1; i <= DONE_ROWS; i++) assert.equal((await deliver(BALANCE, balance(i))).status, 200);
    pn.script(closing({ status: 400, body: { error: 'template field missing' } }));
    const failed = await deliver(CREATE, { person: { email: EMAIL, properties: { loyalty_points: 3 } } });
    assert.equal(failed.status, 422);
    ids.failed = failed.id;
    for (const [name, step, points, reason] of [
      ['applied', { status: 500, apply: true }, 100, 'purchase'],
      ['drop', 502, 200, 'purchase'],
      ['resend', 'hang', 300, 'purchase'],
      ['conflict', 503, 400, 'purchase'],
      ['hostile', 500, 500, HOSTILE],
    ]) {
      jc.script(step);
      const a = await deliver(BALANCE, balance(points, reason));
      assert.equal(a.status, 202, `${name} is held as ambiguous`);
      ids[name] = a.id;
    }
    jc.reset();
    browser = await startBrowser({ width: 1280, height: 1100 });
    // Count what a hostile payload would do, before any page script runs.
    await browser.cdp('Page.addScriptToEvaluateOnNewDocument', { source: 'window.__pwned = 0;' });
    await browser.log('performance'); // drop the new tab's own loads
  });

  after(async () => {
    await browser?.close();
    await dev?.stop();
    await jc?.stop();
    await pn?.stop();
  });

  it('serves one self-contained page with its headers; every review API answer is no-store', async () => {
    const res = await fetch(`${dev.url}/review`);
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.equal(html, reviewPage.on);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('content-security-policy'), CSP);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    for (const s of [ADMIN, SECRET, jc.apiKey, EMAIL]) assert.ok(!html.includes(s));
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/(?!www\.w3\.org)/);
    const post = await fetch(`${dev.url}/review`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    for (const [path, init, status] of [
      ['/deliveries', {}, 200],
      ['/deliveries/summary', {}, 200],
      [`/deliveries/${ids.failed}`, {}, 200],
      ['/deliveries', { secret: 'wrong' }, 401],
      [`/deliveries/${'0'.repeat(32)}`, {}, 404],
      [`/deliveries/${LARGE_ID}/resolve`, { method: 'POST', body: { applied: true } }, 409],
    ]) {
      const a = await api(path, init);
      assert.equal(a.status, status, `${path}: ${a.text.slice(0, 200)}`);
      assert.equal(a.headers.get('cache-control'), 'no-store', path);
    }
  });

  it('a wrong secret is refused and shows nothing; the right one (keyboard Enter) lists the queue, waiting first', async () => {
    await browser.open(`${dev.url}/review`);
    assert.equal(await browser.exec(() => document.querySelector('#off').hidden), true);
    assert.equal(await browser.exec(() => document.querySelector('#queue').hidden), true);
    await browser.type('#secret', 'not-the-admin-secret');
    await browser.click('#sign-in');
    await browser.waitFor(() => /401/.test(document.querySelector('#message').textContent), [], 'the 401 message');
    assert.match(await message(), /Wrong secret/);
    assert.equal(await browser.exec(() => document.querySelector('#queue').hidden), true);
    assert.equal(await browser.exec(() => document.querySelectorAll('#deliveries > *').length), 0);

    await browser.type('#secret', `${ADMIN}\uE007`);
    await browser.waitFor(() => document.querySelectorAll('#deliveries [data-delivery]').length > 0, [], 'the queue');
    assert.equal(await browser.exec(() => document.querySelector('#signin').hidden), true);
    // The first page of the API's queue order, with exactly the API's decisions as buttons.
    const expected = (await apiQueue()).slice(0, 50);
    assert.deepEqual(await shownRows(), expected);
    assert.deepEqual(expected.slice(0, 5).map((r) => r.id), ['hostile', 'conflict', 'resend', 'drop', 'applied'].map((k) => ids[k]));
    assert.deepEqual(expected.slice(5, 7).map((r) => r.id), [ids.failed, HOSTILE_ID]);
    assert.deepEqual(expected[0].actions, ['applied', 'drop', 'resend']);
    assert.deepEqual(expected[5].actions, ['resend']);
    assert.deepEqual(expected[7].actions, []);
    assert.equal(await browser.exec(() => document.querySelector('#more').hidden), false);
    // Facts and the request as sent, key never shown.
    const first = await browser.exec((sel) => document.querySelector(sel).textContent, [row(ids.conflict)]);
    assert.match(first, /ambiguous/);
    assert.match(first, new RegExp(`POST ${jc.url}${jc.balancePath('increase')}`.replace(/[.?/]/g, '\\$&')));
    assert.match(first, /upstream_unavailable|network/);
    assert.ok(first.includes('"amount": 400'), 'the body, pretty-printed');
    assert.ok(!first.includes(jc.apiKey));
    // The counts of the last 24 hours, the states and the routes all come from the API.
    const summary = (await api('/deliveries/summary')).json;
    assert.equal(summary.counts.ambiguous, 5);
    assert.equal(summary.counts.failed, 2);
    assert.equal(summary.counts.done, DONE_ROWS + 1);
    const counts = await browser.exec(() => Object.fromEntries([...document.querySelectorAll('#counts [data-state]')].map((n) => [n.dataset.state, n.querySelector('b').textContent])));
    assert.deepEqual(counts, Object.fromEntries(summary.states.map((s) => [s, String(summary.counts[s])])));
    const options = (css) => browser.exec((c) => [...document.querySelectorAll(`${c} option`)].map((o) => o.value), [css]);
    assert.deepEqual(await options('#state'), ['', ...summary.states]);
    assert.deepEqual(await options('#route'), ['', ...summary.routes]);
    // Auto records balance and create and, since issue 15, the ordered routes.
    assert.deepEqual(summary.routes, ['/passninja/update', CREATE, '/passninja/delete', '/walletcrew/push-update', '/walletcrew/profile-sync', BALANCE]);
    // The secret lives in memory only.
    const kept = await browser.exec((s) => ({
      storage: localStorage.length + sessionStorage.length,
      cookie: document.cookie,
      url: location.href.includes(s),
      dom: document.documentElement.outerHTML.includes(s),
      input: document.querySelector('#secret').value,
    }), [ADMIN]);
    assert.deepEqual(kept, { storage: 0, cookie: '', url: false, dom: false, input: '' });
  });

  it('filters by state and route, and pages with #more', async () => {
    await browser.select('#state', 'done');
    await browser.waitFor(() => [...document.querySelectorAll('#deliveries [data-delivery]')].every((n) => n.dataset.state === 'done'), [], 'done rows only');
    assert.equal((await shownRows()).length, 50);
    await browser.click('#more');
    await browser.waitFor(() => document.querySelector('#more').hidden, [], '#more to hide on the last page');
    assert.deepEqual(await shownRows(), await apiQueue('&state=done'));
    assert.equal((await shownRows()).length, DONE_ROWS + 1);
    await browser.select('#state', 'failed');
    await browser.select('#route', CREATE);
    await browser.waitFor((id) => {
      const rows = [...document.querySelectorAll('#deliveries [data-delivery]')];
      return rows.length === 1 && rows[0].dataset.delivery === id;
    }, [ids.failed], 'the failed create alone');
    await browser.select('#state', '');
    await browser.select('#route', BALANCE);
    await browser.waitFor(() => document.querySelectorAll('#deliveries [data-delivery]').length === 50, [], 'balance rows');
    assert.deepEqual(await shownRows(), (await apiQueue(`&route=${encodeURIComponent(BALANCE)}`)).slice(0, 50));
    await browser.exec((sel) => {
      document.querySelector(`${sel} details`).open = true;
    }, [row(ids.conflict)]);
    saveScreenshot('deliveries.png', await browser.screenshotPng());
    await browser.exec(() => document.querySelectorAll('#deliveries details').forEach((d) => (d.open = false)));
  });

  it('"It was applied" resolves once, even on a double click; the row shows the new state', async () => {
    await browser.click(`${row(ids.applied)} button[data-action="applied"]`);
    await browser.waitFor(() => document.querySelector('#confirmation').open, [], 'the confirmation');
    assert.match(await browser.text('#confirm-title'), /applied/);
    await browser.exec(() => {
      const b = document.querySelector('#confirm');
      b.click();
      b.click();
    });
    await waitRowState(ids.applied, 'done');
    await browser.waitFor(() => /now done/.test(document.querySelector('#message').textContent), [], 'the outcome');
    const posts = await browser.exec(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/resolve')).length);
    assert.equal(posts, 1, 'one request for a double click');
    assert.deepEqual((await shownRows()).find((r) => r.id === ids.applied).actions, []);
    assert.equal((await api(`/deliveries/${ids.applied}`)).json.state, 'done');
    assert.equal(jc.requests.length, 0);
  });

  it('"It was not applied, drop it" by keyboard; Cancel changes nothing', async () => {
    await browser.click(`${row(ids.drop)} button[data-action="drop"]`);
    await browser.waitFor(() => document.querySelector('#confirmation').open, [], 'the confirmation');
    await browser.click('#cancel');
    assert.match(await message(), /Cancelled/);
    assert.equal((await api(`/deliveries/${ids.drop}`)).json.state, 'ambiguous');
    // Keyboard: focus the button, Enter; the dialog opens on Cancel; Tab to Confirm, Enter.
    await browser.exec((sel) => document.querySelector(sel).focus(), [`${row(ids.drop)} button[data-action="drop"]`]);
    await browser.keys('\uE007');
    await browser.waitFor(() => document.querySelector('#confirmation').open && document.activeElement.id === 'cancel', [], 'the confirmation, focus on Cancel');
    await browser.keys('\uE004');
    await browser.waitFor(() => document.activeElement.id === 'confirm', [], 'focus on Confirm');
    await browser.keys('\uE007');
    await waitRowState(ids.drop, 'dropped');
    assert.equal((await api(`/deliveries/${ids.drop}`)).json.state, 'dropped');
    assert.equal(jc.requests.length, 0);
  });

  it('"Send it once more" shows the request, and the fake receives exactly one', async () => {
    await decide(ids.resend, 'resend', { expectRequest: true });
    await waitRowState(ids.resend, 'done');
    await browser.waitFor(() => /Sent once more: HTTP 200/.test(document.querySelector('#message').textContent), [], 'the outcome');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(jc.requests.length, 1, 'exactly one request reached the provider');
    assert.equal(jc.requests[0].headers['api-key'], jc.apiKey);
    assert.deepEqual(JSON.parse(jc.requests[0].body), [{ email: EMAIL, amount: 300, reason: 'Klaviyo purchase' }]);
    assert.equal(jc.balanceOf(EMAIL), 300);
    const d = (await api(`/deliveries/${ids.resend}`)).json;
    assert.deepEqual([d.state, d.attempts, d.upstreamStatus, d.actions], ['done', 2, 200, []]);
  });

  it('a decision taken meanwhile elsewhere is answered 409, shown as such, and the row refreshed', async () => {
    const elsewhere = await api(`/deliveries/${ids.conflict}/resolve`, { method: 'POST', body: { applied: false } });
    assert.equal(elsewhere.status, 200, elsewhere.text);
    // The page still shows it as ambiguous, with its buttons.
    assert.equal(await browser.exec((sel) => document.querySelector(sel).dataset.state, [row(ids.conflict)]), 'ambiguous');
    await decide(ids.conflict, 'applied');
    await waitRowState(ids.conflict, 'dropped');
    assert.match(await message(), /409/);
    assert.match(await message(), /someone else decided/);
    assert.deepEqual((await shownRows()).find((r) => r.id === ids.conflict).actions, []);
    assert.equal((await api(`/deliveries/${ids.conflict}`)).json.state, 'dropped');
    assert.equal(jc.requests.length, 1);
  });

  it('hostile rows and the largest bodies are shown as text: nothing executes', async () => {
    await browser.select('#route', '');
    await browser.waitFor((sel) => document.querySelector(sel) !== null, [row(HOSTILE_ID)], 'the hostile row');
    await browser.exec(() => document.querySelectorAll('#deliveries details').forEach((d) => (d.open = true)));
    await browser.select('#state', 'done');
    await browser.waitFor(() => {
      const rows = [...document.querySelectorAll('#deliveries [data-delivery]')];
      return rows.length === 50 && rows.every((n) => n.dataset.state === 'done') && !document.querySelector('#more').hidden;
    }, [], 'the first page of done rows');
    await browser.click('#more');
    await browser.waitFor((sel) => document.querySelector(sel) !== null, [row(LARGE_ID)], 'the large row');
    await browser.exec(() => document.querySelectorAll('#deliveries details').forEach((d) => (d.open = true)));
    const large = await browser.exec((sel) => document.querySelector(`${sel} pre`).textContent, [row(LARGE_ID)]);
    assert.ok(large.includes('x'.repeat(60_000)));
    assert.ok(large.includes(JSON.stringify(HOSTILE).slice(1, -1)), 'the body as JSON text');
    await browser.select('#state', 'failed');
    await browser.waitFor((sel) => document.querySelector(sel) !== null, [row(HOSTILE_ID)], 'the hostile row');
    await browser.exec(() => document.querySelectorAll('#deliveries details').forEach((d) => (d.open = true)));
    const text = await browser.exec((sel) => document.querySelector(sel).textContent, [row(HOSTILE_ID)]);
    assert.ok(text.split(HOSTILE).length - 1 >= 4, 'route, code, method, URL and body shown as text');
    await browser.select('#state', 'ambiguous');
    await browser.select('#state', '');
    await browser.waitFor((sel) => document.querySelector(sel) !== null, [row(ids.hostile)], 'the hostile delivery');
    await browser.exec(() => document.querySelectorAll('#deliveries details').forEach((d) => (d.open = true)));
    assert.ok((await browser.exec((sel) => document.querySelector(sel).textContent, [row(ids.hostile)])).includes('Klaviyo </script>'));
    const state = await browser.exec(() => ({
      pwned: window.__pwned,
      elements: document.querySelectorAll('#deliveries img, #deliveries svg, #deliveries script, #deliveries iframe').length,
      scripts: document.scripts.length,
    }));
    assert.deepEqual(state, { pwned: 0, elements: 0, scripts: 1 });
  });

  it('reaches nothing but the same-origin /deliveries API', async () => {
    const origin = dev.url;
    const resources = await browser.exec(() => performance.getEntriesByType('resource').map((e) => e.name));
    assert.ok(resources.length > 10);
    for (const url of resources) assert.ok(url.startsWith(`${origin}/deliveries`), url);
    const events = (await browser.log('performance')).map((e) => JSON.parse(e.message).message);
    const sent = events.filter((m) => m.method === 'Network.requestWillBeSent' || m.method === 'Network.webSocketCreated').map((m) => m.params.request?.url ?? m.params.url);
    assert.ok(sent.length > 10);
    for (const url of sent) assert.ok(url === `${origin}/review` || url.startsWith(`${origin}/deliveries`), url);
  });

  it('with PASSBRIDGE_ADMIN_SECRET unset the page says the review API is off and how to turn it on', async () => {
    const off = await startDev({ secrets: { PASSBRIDGE_WEBHOOK_SECRET: SECRET }, vars: { PASSBRIDGE_DRY_RUN: '0' } });
    try {
      const res = await fetch(`${off.url}/review`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), reviewPage.off);
      assert.equal(res.headers.get('content-security-policy'), CSP);
      assert.equal((await api('/deliveries', { base: off.url })).status, 404);
      await browser.open(`${off.url}/review`);
      const shown = await browser.exec(() => ({
        off: document.querySelector('#off').hidden,
        signin: document.querySelector('#signin').hidden,
        queue: document.querySelector('#queue').hidden,
      }));
      assert.deepEqual(shown, { off: false, signin: true, queue: true });
      const text = await browser.text('#off');
      assert.match(text, /review API is off/);
      assert.match(text, /wrangler secret put PASSBRIDGE_ADMIN_SECRET/);
      assert.match(await message(), /review API is off/);
    } finally {
      await off.stop();
    }
  });
});
