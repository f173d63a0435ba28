// The write-back to Klaviyo (issue 15) in workerd (Miniflare) with a local D1
// ledger, against the fake PassNinja (tests/js/) and the fake Klaviyo API
// (tests/sync/fake-klaviyo.mjs, docs/klaviyo.md §5), both on 127.0.0.1: a
// created pass's serial and url reach the profile, the ledger keeps the two
// effects apart (the create is never sent twice because its write-back
// failed), and no secret or contact detail leaks.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeKlaviyo, KEY } from '../sync/fake-klaviyo.mjs';
import { startWorker, startFakePassNinja, assertProblem, assertCleanLogs, closedPort, closing, SECRET, EMAIL, PHONE } from './helpers.mjs';

const CREATE = '/passninja/create';
const UPDATE = '/passninja/update';
const ADMIN = 'adm_pbtest_wb_1f2e3d4c5b6a79880716';
const ADMIN_AUTH = `Bearer ${ADMIN}`;
const PROFILE_ID = '01HZX5N8Q4W3E2R1T0Y9U8I7O6';
const BUDGET_MS = 1000;

let pn;
const started = [];
const fakes = [];

async function klaviyo(options = {}) {
  const k = await startFakeKlaviyo(options);
  fakes.push(k);
  return k;
}

async function worker(k, extra = {}, options = {}) {
  const bindings = {
    PASSBRIDGE_WEBHOOK_SECRET: SECRET,
    PASSBRIDGE_ADMIN_SECRET: ADMIN,
    ...pn.env(),
    ...(k ? k.env() : {}),
    PASSBRIDGE_BUDGET_MS: String(BUDGET_MS),
    ...extra,
  };
  for (const [key, v] of Object.entries(bindings)) if (v === undefined) delete bindings[key];
  const w = await startWorker(bindings, options);
  started.push({ w, bindings });
  return w;
}

/** Every profile import the fake received (refused ones included). */
const imports = (k) => k.requests.filter((r) => r.method === 'POST' && r.url === '/api/profile-import');
const creates = () => pn.requests.filter((r) => r.method === 'POST');
const rows = async (w) => (await w.db.prepare('SELECT * FROM deliveries ORDER BY created_at').all()).results;

/** The profile-import body the Worker should send for a created pass. */
function importBody(identity, serial, url) {
  const data = { type: 'profile', attributes: { ...identity.attributes, external_id: serial, properties: { passbridge_pass_url: url } } };
  if (identity.id) data.id = identity.id;
  return { data };
}

describe('write-back to Klaviyo (Miniflare / workerd, local D1)', () => {
  before(async () => {
    pn = await startFakePassNinja();
  });

  after(async () => {
    try {
      for (const { w, bindings } of started) {
        assertCleanLogs(w.logs, [bindings.PASSNINJA_API_KEY, SECRET, ADMIN, KEY, PHONE]);
      }
    } finally {
      await Promise.all(started.map(({ w }) => w.stop()));
      await Promise.all([pn?.stop(), ...fakes.map((k) => k.stop())]);
    }
  });

  beforeEach(() => pn.reset());

  it('create + write-back with each identity: JSON:API id, person.id, email, phone_number', async () => {
    const k = await klaviyo();
    const w = await worker(k);
    const cases = [
      { body: { data: { type: 'profile', id: PROFILE_ID, attributes: { email: EMAIL } } }, identity: { id: PROFILE_ID }, status: 200 },
      { body: { person: { id: PROFILE_ID, email: EMAIL } }, identity: { id: PROFILE_ID }, status: 200 },
      { body: { person: { email: EMAIL, phone_number: PHONE } }, identity: { attributes: { email: EMAIL } }, status: 201 },
      { body: { person: { phone_number: PHONE } }, identity: { attributes: { phone_number: PHONE } }, status: 201 },
    ];
    for (const [i, c] of cases.entries()) {
      const a = await w.call(CREATE, { json: c.body });
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json.created, true);
      assert.match(a.json.serial, /^[0-9a-f]{18}$/);
      assert.equal(typeof a.json.url, 'string');
      assert.deepEqual(a.json.writeBack, { status: c.status });
      assert.equal(a.log.ledger, 'done');
      const sent = imports(k)[i];
      assert.equal(sent.method, 'POST');
      assert.equal(sent.url, '/api/profile-import');
      assert.equal(sent.headers.authorization, `Klaviyo-API-Key ${KEY}`);
      assert.equal(sent.headers.revision, '2026-10-15');
      assert.equal(sent.headers['content-type'], 'application/vnd.api+json');
      assert.equal(sent.headers.accept, 'application/vnd.api+json');
      assert.deepEqual(sent.json, importBody(c.identity, a.json.serial, a.json.url));
    }
    assert.equal(creates().length, 4);
    // A redelivery replays the stored answer: nothing is sent again.
    const again = await w.call(CREATE, { json: cases[2].body });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(imports(k).length, 4);
    assert.equal(creates().length, 4);
  });

  it('write-back 429 → 503 with Klaviyo\'s Retry-After and the create kept; the resend replays the create and writes back only', async () => {
    const k = await klaviyo();
    k.inject('import', 1, { status: 429, retryAfter: 7 });
    const w = await worker(k);
    const body = { person: { email: EMAIL, properties: { loyalty_points: 3 } } };
    const first = await w.call(CREATE, { json: body });
    const p = assertProblem(first, 503, 'throttled');
    assert.equal(first.headers.get('retry-after'), '7');
    assert.match(p.serial, /^[0-9a-f]{18}$/);
    assert.equal(typeof p.url, 'string');
    assert.equal(first.log.ledger, 'write_back_pending');
    const [row] = await rows(w);
    assert.equal(row.state, 'done');
    assert.equal(row.write_back, 'pending');
    assert.equal(JSON.parse(row.result).serial, p.serial);

    const resend = await w.call(CREATE, { json: body });
    assert.equal(resend.status, 200, resend.text);
    assert.equal(resend.json.serial, p.serial);
    assert.equal(resend.json.url, p.url);
    assert.deepEqual(resend.json.writeBack, { status: 201 });
    assert.equal(creates().length, 1, 'one create upstream');
    assert.equal(imports(k).length, 2, 'two write-backs');
    assert.deepEqual(imports(k)[1].json, importBody({ attributes: { email: EMAIL } }, p.serial, p.url));
    const [done] = await rows(w);
    assert.equal(done.write_back, 'done');
    // And from now on, a replay.
    const third = await w.call(CREATE, { json: body });
    assert.equal(third.text, resend.text);
    assert.equal(imports(k).length, 2);
  });

  it('write-back 500 (retried within the budget, still failing) → 503, then the resend writes back only', async () => {
    let failing = 500;
    const k = await klaviyo({ importStatus: () => failing });
    const w = await worker(k);
    const body = { person: { email: EMAIL } };
    const first = await w.call(CREATE, { json: body });
    const p = assertProblem(first, 503, 'upstream_unavailable');
    assert.ok(Number(first.headers.get('retry-after')) > 0);
    assert.ok(imports(k).length >= 1);
    const tried = imports(k).length;
    failing = 0;
    const resend = await w.call(CREATE, { json: body });
    assert.equal(resend.status, 200, resend.text);
    assert.equal(resend.json.serial, p.serial);
    assert.equal(creates().length, 1);
    assert.equal(imports(k).length, tried + 1);
    assert.equal(k.imports.length, 1, 'one write-back applied');
  });

  it('Klaviyo unreachable (network failure) → 503 network with the create kept; never a second create', async () => {
    const port = await closedPort();
    const w = await worker(null, { KLAVIYO_PRIVATE_KEY: KEY, KLAVIYO_BASE_URL: `http://127.0.0.1:${port}` });
    const body = { person: { email: EMAIL } };
    const a = await w.call(CREATE, { json: body });
    const p = assertProblem(a, 503, 'network');
    assert.equal(a.headers.get('retry-after'), '30');
    assert.match(p.serial, /^[0-9a-f]{18}$/);
    const again = await w.call(CREATE, { json: body });
    assertProblem(again, 503, 'network');
    assert.equal(again.json.serial, p.serial);
    assert.equal(creates().length, 1);
  });

  it('Klaviyo 401 → 500 configuration error naming KLAVIYO_PRIVATE_KEY; the create is kept and never resent', async () => {
    const k = await klaviyo();
    const wrong = 'pk_wrong_0123456789abcdef0123456789ab';
    const w = await worker(k, { KLAVIYO_PRIVATE_KEY: wrong });
    const body = { person: { email: EMAIL } };
    const a = await w.call(CREATE, { json: body });
    const p = assertProblem(a, 500, 'invalid_config');
    assert.match(p.detail, /KLAVIYO_PRIVATE_KEY/);
    assert.ok(!a.text.includes(wrong));
    assert.match(p.serial, /^[0-9a-f]{18}$/);
    const again = await w.call(CREATE, { json: body });
    assertProblem(again, 500, 'invalid_config');
    assert.equal(again.json.serial, p.serial);
    assert.equal(creates().length, 1);
    assert.equal(imports(k).length, 2, 'the write-back alone is tried again');
    for (const r of await rows(w)) assert.ok(!JSON.stringify(r).includes(wrong));
    assertCleanLogs(w.logs, [wrong]);
  });

  it('Klaviyo 400 → 422 write_back_rejected with serial and url, stored for review and never resent', async () => {
    const k = await klaviyo({ importStatus: () => 400 });
    const w = await worker(k);
    const body = { person: { email: EMAIL } };
    const a = await w.call(CREATE, { json: body });
    const p = assertProblem(a, 422, 'write_back_rejected');
    assert.match(p.serial, /^[0-9a-f]{18}$/);
    assert.equal(typeof p.url, 'string');
    assert.equal(p.upstreamStatus, 400);
    const id = a.headers.get('passbridge-delivery');
    const list = await w.call('/deliveries', { method: 'GET', auth: ADMIN_AUTH, query: '?state=failed' });
    assert.equal(list.status, 200, list.text);
    const [d] = list.json.deliveries;
    assert.equal(d.delivery, id);
    assert.equal(d.code, 'write_back_rejected');
    assert.equal(d.writeBack, 'rejected');
    assert.equal(d.result.serial, p.serial);
    assert.equal(d.result.url, p.url);
    // Klaviyo's redelivery replays; a review resend would create a second pass: refused.
    const again = await w.call(CREATE, { json: body });
    assert.equal(again.text, a.text);
    const resend = await w.call(`/deliveries/${id}/resend`, { auth: ADMIN_AUTH });
    assert.equal(resend.status, 409, resend.text);
    assert.equal(creates().length, 1);
    assert.equal(imports(k).length, 1);
  });

  it('an ambiguous create a person resends through the review API writes back too', async () => {
    const k = await klaviyo();
    const w = await worker(k);
    pn.script(closing({ status: 500, apply: true }));
    const body = { person: { email: EMAIL } };
    const a = await w.call(CREATE, { json: body });
    assert.equal(a.status, 202, a.text);
    assert.equal(imports(k).length, 0, 'nothing to write back: the create is uncertain');
    const id = a.headers.get('passbridge-delivery');
    const resent = await w.call(`/deliveries/${id}/resend`, { auth: ADMIN_AUTH });
    assert.equal(resent.status, 200, resent.text);
    assert.deepEqual(resent.json.writeBack, { status: 201 });
    assert.deepEqual(imports(k)[0].json, importBody({ attributes: { email: EMAIL } }, resent.json.serial, resent.json.url));
    const d = await w.call(`/deliveries/${id}`, { method: 'GET', auth: ADMIN_AUTH });
    assert.equal(d.json.state, 'done');
    assert.equal(d.json.writeBack, 'done');
    assert.equal(d.json.result.serial, resent.json.serial);
  });

  it('a profile with no id, email or phone: the create is answered 200 and the write-back skipped', async () => {
    const k = await klaviyo();
    const w = await worker(k);
    const a = await w.call(CREATE, { json: { person: { first_name: 'Ada', properties: { loyalty_points: 1 } } } });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.created, true);
    assert.deepEqual(a.json.writeBack, { skipped: 'the profile has no Klaviyo id, email or phone_number' });
    assert.equal(imports(k).length, 0);
    const [row] = await rows(w);
    assert.equal(row.write_back, 'skipped');
  });

  it('a bad PASSBRIDGE_WRITE_BACK is a 500 configuration error on every route, naming it', async () => {
    const k = await klaviyo();
    for (const bad of ['{"external_id":', '{"external_id":"no_such_field"}']) {
      const w = await worker(k, { PASSBRIDGE_WRITE_BACK: bad });
      for (const route of [CREATE, UPDATE, '/walletcrew/push-update', '/jericommerce/balance']) {
        const a = await w.call(route, { json: { person: { email: EMAIL } } });
        const p = assertProblem(a, 500, 'invalid_config');
        assert.match(p.detail, /PASSBRIDGE_WRITE_BACK/, route);
      }
    }
    // KLAVIYO_BASE_URL follows the providers' strict URL rules (https, or http to loopback only).
    const w = await worker(k, { KLAVIYO_BASE_URL: 'http://klaviyo.example' });
    const p = assertProblem(await w.call(CREATE, { json: { person: { email: EMAIL } } }), 500, 'invalid_config');
    assert.match(p.detail, /KLAVIYO_BASE_URL/);
    assert.equal(creates().length, 0);
    assert.equal(imports(k).length, 0);
  });

  it('a custom PASSBRIDGE_WRITE_BACK, the dry run showing both requests, and /health', async () => {
    const k = await klaviyo();
    const w = await worker(k, { PASSBRIDGE_WRITE_BACK: '{"properties.wallet_serial":"serial"}' });
    const a = await w.call(CREATE, { json: { person: { id: PROFILE_ID } } });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(imports(k)[0].json, { data: { type: 'profile', id: PROFILE_ID, attributes: { properties: { wallet_serial: a.json.serial } } } });
    const health = await w.call('/health', { method: 'GET', auth: null });
    assert.equal(health.json.writeBack, true);

    const dry = await worker(k, { PASSBRIDGE_DRY_RUN: 'true' });
    const d = await dry.call(CREATE, { json: { person: { email: EMAIL } } });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.dryRun, true);
    assert.equal(d.json.request.method, 'POST');
    assert.equal(d.json.writeBack.method, 'POST');
    assert.equal(d.json.writeBack.url, `${k.url}/api/profile-import`);
    assert.equal(d.json.writeBack.headers.Authorization, '***');
    assert.deepEqual(JSON.parse(d.json.writeBack.body), importBody({ attributes: { email: EMAIL } }, '<serial>', '<url>'));
    assert.ok(!d.text.includes(KEY));

    const none = await worker(null);
    const h = await none.call('/health', { method: 'GET', auth: null });
    assert.equal(h.json.writeBack, false);
    const plain = await none.call(CREATE, { json: { person: { email: EMAIL } } });
    assert.equal(plain.status, 200);
    assert.equal(plain.json.writeBack, undefined, 'no key: the answer is as before');
  });

  it('PASSBRIDGE_LEDGER=off: the create is answered 200 with the write-back failure (a resend would create twice)', async () => {
    const k = await klaviyo({ importStatus: () => 503 });
    const w = await worker(k, { PASSBRIDGE_LEDGER: 'off' }, { ledger: false });
    const a = await w.call(CREATE, { json: { person: { email: EMAIL } } });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.created, true);
    assert.equal(a.json.writeBack.failed, 'upstream_unavailable');
    assert.equal(a.log.ledger, 'off');
    assert.equal(creates().length, 1);
  });

  it('no secret in any D1 row', async () => {
    for (const { w, bindings } of started) {
      if (!w.db) continue;
      const text = JSON.stringify(await rows(w));
      for (const s of [KEY, 'Klaviyo-API-Key', bindings.PASSNINJA_API_KEY, SECRET, ADMIN]) assert.ok(!text.includes(s), s);
    }
  });
});
