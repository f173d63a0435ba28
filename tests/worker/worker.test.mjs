// The Cloudflare Worker proxy (js/worker.mjs + pkg/) in real workerd through
// Miniflare, against the fake PassNinja API: every answer of the contract,
// and exactly what reached the upstream for each.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWorker,
  startFakePassNinja,
  closedPort,
  closing,
  assertProblem,
  assertCleanLogs,
  flatBody,
  jsonApiProfile,
  passPath,
  SECRET,
  AUTH,
  EMAIL,
} from './helpers.mjs';

const UPDATE = '/passninja/update';
const SERIAL = '5d2b3f8a9c0e1f2a3b';
const GOOD = flatBody({ external_id: SERIAL, properties: { loyalty_points: 1500, loyalty_tier: 'Gold' } });

let fake;
/** Queues fake answers; each closes its connection (see `closing` in helpers.mjs). */
const script = (...steps) => fake.script(...steps.map(closing));
/** Every Worker started by this file, checked (logs) and stopped at the end. */
const started = [];

async function worker(extra = {}, options = {}) {
  const secret = 'secret' in options ? options.secret : SECRET;
  const bindings = { ...fake.env(), ...extra };
  if (secret !== undefined) bindings.PASSBRIDGE_WEBHOOK_SECRET = secret;
  for (const [k, v] of Object.entries(bindings)) if (v === undefined) delete bindings[k];
  // These suites send one body many times, each to be sent: without a D1
  // binding, the default auto does not record the update route (issue 15
  // records and orders it when the binding exists). `ledger: true` for the
  // tests of the ledger's own answers.
  const w = await startWorker(bindings, { ledger: options.ledger ?? false });
  started.push({ w, bindings });
  return w;
}

/** Nothing reached the fake (a buggy fire-and-forget send would arrive a moment later). */
async function assertNothingUpstream() {
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(
    fake.requests.map((r) => `${r.method} ${r.url}`),
    [],
    'the upstream must not be called',
  );
}

/** Exactly one PATCH of `serial` with PassNinja's headers and `{pass}` body. */
function assertOnePatch(serial, pass, { encoded } = {}) {
  assert.equal(fake.requests.length, 1, `requests: ${fake.requests.map((r) => `${r.method} ${r.url}`).join(', ')}`);
  const r = fake.requests[0];
  assert.equal(r.method, 'PATCH');
  assert.equal(r.url, encoded ?? passPath(fake.templateId, serial));
  assert.equal(r.headers['x-api-key'], fake.apiKey);
  assert.equal(r.headers['x-account-id'], fake.accountId);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers.authorization, undefined, 'the webhook secret must not be forwarded upstream');
  assert.ok(!JSON.stringify(r.headers).includes(SECRET), 'the webhook secret must not be forwarded upstream');
  assert.deepEqual(r.json, { pass });
  return r;
}

before(async () => {
  fake = await startFakePassNinja();
});

after(async () => {
  for (const { w } of started) await w.stop();
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

describe('worker: main configuration (budget 1500 ms, dry run off)', () => {
  let w;
  /** The same configuration with the LEDGER binding. */
  let wl;
  before(async () => {
    w = await worker({ PASSBRIDGE_BUDGET_MS: '1500', PASSBRIDGE_DRY_RUN: '0' });
    wl = await worker({ PASSBRIDGE_BUDGET_MS: '1500', PASSBRIDGE_DRY_RUN: '0' }, { ledger: true });
  });

  // ------------------------------------------------------------ health
  it('GET /health: 200 {ok, service, version}, no secret needed, no configuration revealed', async () => {
    const a = await wl.call('/health', { method: 'GET', auth: null });
    assert.equal(a.status, 200);
    // Issue 15 added `writeBack`: whether KLAVIYO_PRIVATE_KEY is set (never the key).
    assert.deepEqual(Object.keys(a.json).sort(), ['ledger', 'ok', 'service', 'version', 'writeBack']);
    assert.equal(a.json.ledger, 'auto', 'the default mode, with the LEDGER binding');
    assert.equal(a.json.writeBack, false);
    assert.equal(a.json.ok, true);
    assert.equal(a.json.service, 'passbridge');
    assert.match(a.json.version, /^\d+\.\d+\.\d+/);
    for (const s of [fake.accountId, fake.templateId, fake.apiKey, SECRET, String(fake.port), '127.0.0.1']) {
      assert.ok(!a.text.includes(s), `health reveals ${s}`);
    }
    assert.equal(a.log.route, '/health');
    const head = await w.call('/health', { method: 'HEAD', auth: null });
    assert.equal(head.status, 200);
    await assertNothingUpstream();
  });

  it('POST /health: 405 with Allow: GET', async () => {
    const a = await w.call('/health', { method: 'POST', json: {} });
    assertProblem(a, 405, 'method_not_allowed');
    assert.match(a.headers.get('allow'), /GET/);
  });

  // ------------------------------------------------------------ the good case
  it('valid flat body: 200 {updated:true,status:200} after exactly one PATCH with the default mapping', async () => {
    const a = await w.call(UPDATE, { json: GOOD, flowId: 'flowgood1' });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, { updated: true, status: 200 });
    assert.equal(a.headers.get('content-type'), 'application/json');
    assertOnePatch(SERIAL, { 'points-balance': '1500', 'loyalty-tier': 'Gold' });
    assert.deepEqual(a.log, {
      route: UPDATE,
      status: 200,
      outcome: 'updated',
      code: null,
      upstreamStatus: 200,
      durationMs: a.log.durationMs,
      flowId: 'flowgood1',
      // The update route is not recorded by the default PASSBRIDGE_LEDGER=auto,
      // but every route request gets its delivery id.
      delivery: a.headers.get('passbridge-delivery'),
      ledger: null,
      replayed: false,
      // No Idempotency-Key, no PASSBRIDGE_DELIVERY_KEY: the body hash (issue 16).
      keySource: 'body',
    });
    assert.match(a.log.delivery, /^[0-9a-f]{32}$/);
    assert.ok(a.log.durationMs >= 0 && a.log.durationMs < 10_000);
  });

  it('default mapping follows seed 000 (points default 0, tier default Standard, values as strings)', async () => {
    const cases = [
      [{}, { 'points-balance': '0', 'loyalty-tier': 'Standard' }],
      [{ properties: { loyalty_points: null, loyalty_tier: null } }, { 'points-balance': '0', 'loyalty-tier': 'Standard' }],
      [{ properties: { loyalty_points: 0, loyalty_tier: 'Silver' } }, { 'points-balance': '0', 'loyalty-tier': 'Silver' }],
      [{ properties: { loyalty_points: 12.5 } }, { 'points-balance': '12.5', 'loyalty-tier': 'Standard' }],
      [{ properties: { loyalty_points: '42', loyalty_tier: 'Gold "VIP"' } }, { 'points-balance': '42', 'loyalty-tier': 'Gold "VIP"' }],
    ];
    for (const [person, pass] of cases) {
      fake.reset();
      const a = await w.call(UPDATE, { json: flatBody({ external_id: SERIAL, ...person }) });
      assert.equal(a.status, 200, `${JSON.stringify(person)} → ${a.text}`);
      assertOnePatch(SERIAL, pass);
    }
  });

  it('person as a Klaviyo JSON:API profile, and the body itself a JSON:API profile, are accepted', async () => {
    const attrs = { external_id: SERIAL, properties: { loyalty_points: 77, loyalty_tier: 'Platinum' } };
    const event = { data: { type: 'event', id: 'e1', attributes: { event_properties: { points: 5 } } } };
    for (const body of [{ person: jsonApiProfile(attrs), event }, { person: jsonApiProfile(attrs) }, jsonApiProfile(attrs)]) {
      fake.reset();
      const a = await w.call(UPDATE, { json: body });
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(a.json, { updated: true, status: 200 });
      assertOnePatch(SERIAL, { 'points-balance': '77', 'loyalty-tier': 'Platinum' });
    }
  });

  it('JSON media types with parameters or +json suffix are accepted; a query string is ignored', async () => {
    for (const [type, path] of [
      ['application/json; charset=utf-8', UPDATE],
      ['Application/JSON', UPDATE],
      ['application/vnd.api+json', UPDATE],
      ['application/json', `${UPDATE}?source=klaviyo`],
    ]) {
      fake.reset();
      const a = await w.call(path, { json: GOOD, headers: { 'content-type': type } });
      assert.equal(a.status, 200, `${type}: ${a.text}`);
      assertOnePatch(SERIAL, { 'points-balance': '1500', 'loyalty-tier': 'Gold' });
    }
  });

  it('hostile serials stay one percent-encoded path segment', async () => {
    const cases = [
      ['../../x?y#z', '..%2F..%2Fx%3Fy%23z', '../../x?y#z'],
      ['a/b', 'a%2Fb', 'a/b'],
      ['a\\b', 'a%5Cb', 'a\\b'],
      ['%2F', '%252F', '%2F'],
      ['ab cd', 'ab%20cd', 'ab cd'],
      ['ü', '%C3%BC', 'ü'],
      ['...', '...', '...'],
      ['  5d2b3f8a9c0e1f2a3b\t', '5d2b3f8a9c0e1f2a3b', '5d2b3f8a9c0e1f2a3b'],
      ['123e4567-e89b-12d3-a456-426614174000', '123e4567-e89b-12d3-a456-426614174000', '123e4567-e89b-12d3-a456-426614174000'],
      [12345, '12345', '12345'],
    ];
    const failures = [];
    for (const [serial, encoded, decoded] of cases) {
      fake.reset();
      const a = await w.call(UPDATE, { json: flatBody({ external_id: serial }) });
      const got = fake.requests.map((r) => `${r.method} ${r.url}`);
      const want = `PATCH /v1/passes/${fake.templateId}/${encoded}`;
      if (a.status !== 200 || got.length !== 1 || got[0] !== want || fake.requests[0].segments[4] !== decoded || fake.requests[0].segments.length !== 5) {
        failures.push(`external_id ${JSON.stringify(serial)}: answer ${a.status}, upstream got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('dot-segment serials ("." and "..", which URL parsers would resolve away) never change the path', async () => {
    // Either refused as not a serial (400 invalid_profile, nothing sent) or sent
    // as one encoded segment: never a request to /v1/passes/{template}/ or above.
    for (const serial of ['.', '..', ' .. ']) {
      fake.reset();
      const a = await w.call(UPDATE, { json: flatBody({ external_id: serial }) });
      if (a.status === 400) {
        assert.match(assertProblem(a, 400, 'invalid_profile').detail, /external_id/);
        await assertNothingUpstream();
      } else {
        assert.equal(a.status, 200, a.text);
        assert.equal(fake.requests.length, 1);
        assert.equal(fake.requests[0].segments.length, 5, fake.requests[0].url);
        assert.equal(fake.requests[0].segments[4], serial.trim());
      }
    }
  });

  // ------------------------------------------------------------ guard
  it('guard: no / null / empty / whitespace external_id → 200 skipped, nothing upstream', async () => {
    const bodies = [
      flatBody({}),
      flatBody({ external_id: null }),
      flatBody({ external_id: '' }),
      flatBody({ external_id: '   ' }),
      flatBody({ external_id: '\t\n' }),
      { person: jsonApiProfile({ external_id: null }) },
      jsonApiProfile({}),
    ];
    for (const json of bodies) {
      const a = await w.call(UPDATE, { json });
      assert.equal(a.status, 200, `${JSON.stringify(json)} → ${a.text}`);
      assert.deepEqual(a.json, { skipped: true, reason: 'no active pass' });
      assert.equal(a.log.outcome, 'skipped');
    }
    await assertNothingUpstream();
  });

  // ------------------------------------------------------------ authentication
  it('401 for a missing or wrong Authorization, before any other check; nothing upstream', async () => {
    const wrong = [
      null,
      '',
      `Bearer ${SECRET}x`,
      `Bearer ${SECRET.slice(0, -1)}`,
      `Bearer ${SECRET.slice(0, -1)}X`,
      SECRET,
      `Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`,
      'Bearer ',
      'Bearer dev-webhook-secret',
    ];
    for (const auth of wrong) {
      const a = await w.call(UPDATE, { json: GOOD, auth });
      assertProblem(a, 401, 'unauthorized');
      assert.ok(!a.text.includes(SECRET.slice(0, 12)), 'the answer must not hint at the secret');
    }
    // Unauthenticated callers learn nothing beyond 401: not the media type, not the size.
    const a1 = await w.call(UPDATE, { body: 'hello', headers: { 'content-type': 'text/plain' }, auth: null });
    assertProblem(a1, 401, 'unauthorized');
    const a2 = await w.raw(`POST ${UPDATE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer nope\r\nContent-Type: application/json\r\nContent-Length: 10000000`);
    assertProblem(a2, 401, 'unauthorized');
    await assertNothingUpstream();
  });

  // ------------------------------------------------------------ routes and methods
  it('405 with Allow: POST for another method on every route', async () => {
    for (const path of ['/passninja/update', '/passninja/create', '/passninja/delete']) {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
        for (const auth of [null, AUTH]) {
          const a = await w.call(path, { method, auth });
          assertProblem(a, 405, 'method_not_allowed');
          assert.equal(a.headers.get('allow'), 'POST', `${method} ${path}`);
        }
      }
      const head = await w.call(path, { method: 'HEAD' });
      assert.equal(head.status, 405);
      assert.equal(head.headers.get('allow'), 'POST');
    }
    await assertNothingUpstream();
  });

  it('404 route_not_found for unknown paths (logged as "(unknown)"); nothing upstream', async () => {
    // `/` is the playground page (tests/worker/playground.test.mjs).
    for (const path of ['/passninja', '/passninja/updat', '/PASSNINJA/UPDATE', '/passninja/update/', '/passninja/update/x', `/${EMAIL}`, '/health/']) {
      for (const method of ['POST', 'GET']) {
        const a = await w.call(path, { method, json: method === 'POST' ? GOOD : undefined });
        assertProblem(a, 404, 'route_not_found');
        assert.equal(a.log.route, '(unknown)', path);
      }
    }
    await assertNothingUpstream();
  });

  // ------------------------------------------------------------ media type
  it('415 unless the Content-Type is JSON; nothing upstream', async () => {
    const text = JSON.stringify(GOOD);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'multipart/form-data; boundary=x', 'json']) {
      const a = await w.call(UPDATE, { body: text, headers: { 'content-type': type } });
      assertProblem(a, 415, 'unsupported_media_type');
    }
    // No Content-Type at all (a Uint8Array body gets none from fetch).
    const a = await w.call(UPDATE, { body: new TextEncoder().encode(text) });
    assertProblem(a, 415, 'unsupported_media_type');
    await assertNothingUpstream();
  });

  // ------------------------------------------------------------ size
  /** A valid webhook body of exactly `size` bytes. */
  function bodyOfSize(size, serial = SERIAL) {
    const base = JSON.stringify({ person: { external_id: serial, properties: { loyalty_points: 3 } }, pad: '' });
    const text = base.replace('"pad":""', `"pad":"${'x'.repeat(size - Buffer.byteLength(base))}"`);
    assert.equal(Buffer.byteLength(text), size);
    return text;
  }
  const rawHead = (extra) =>
    `POST ${UPDATE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\n${extra}`;
  const chunked = (text, pieces = 4) => {
    const buf = Buffer.from(text);
    const out = [];
    const step = Math.ceil(buf.length / pieces);
    for (let i = 0; i < buf.length; i += step) {
      const part = buf.subarray(i, i + step);
      out.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
    }
    out.push(Buffer.from('0\r\n\r\n'));
    return out;
  };

  it('a body of exactly 64 KiB is accepted (declared and chunked)', async () => {
    const text = bodyOfSize(65_536);
    const a = await w.call(UPDATE, { json: text });
    assert.equal(a.status, 200, a.text);
    assertOnePatch(SERIAL, { 'points-balance': '3', 'loyalty-tier': 'Standard' });
    fake.reset();
    const b = await w.raw(rawHead('Transfer-Encoding: chunked'), chunked(text));
    assert.equal(b.status, 200, b.text);
    assertOnePatch(SERIAL, { 'points-balance': '3', 'loyalty-tier': 'Standard' });
  });

  it('413 above 64 KiB: declared Content-Length, chunked body without one, chunked body with a lying one; nothing upstream', async () => {
    // The client stops writing once answered (paceAfter): see rawHttp in helpers.mjs.
    const pace = { paceAfter: 60_000 };
    const text = bodyOfSize(65_537);
    // Declared too large: answered at once, without waiting for (or reading) the body.
    for (const length of [65_537, 10_000_000]) {
      const a = await w.raw(rawHead(`Content-Length: ${length}`), []);
      assertProblem(a, 413, 'payload_too_large');
    }
    // Streamed (chunked), no Content-Length: 64 KiB + 1 byte, and 300 kB.
    const c = await w.raw(rawHead('Transfer-Encoding: chunked'), chunked(text, 16), pace);
    assertProblem(c, 413, 'payload_too_large');
    const d = await w.raw(rawHead('Transfer-Encoding: chunked'), chunked(bodyOfSize(300_000), 60), pace);
    assertProblem(d, 413, 'payload_too_large');
    // Streamed with a Content-Length that lies (says 100 bytes).
    const e = await w.raw(rawHead('Content-Length: 100\r\nTransfer-Encoding: chunked'), chunked(text, 16), pace);
    assertProblem(e, 413, 'payload_too_large');
    await assertNothingUpstream();
  });

  // ------------------------------------------------------------ bad bodies
  it('400 invalid_json for malformed JSON, with a detail saying so; nothing upstream', async () => {
    for (const body of ['{"person":', '', '{person: {}}', '{"person":{"external_id":"x"}}garbage', '\u0000']) {
      const a = await w.call(UPDATE, { json: body });
      const p = assertProblem(a, 400, 'invalid_json');
      assert.match(p.detail, /not valid JSON/, p.detail);
    }
    await assertNothingUpstream();
  });

  it('400 invalid_profile for a body or profile of the wrong shape, with a detail saying what is wrong', async () => {
    const cases = [
      ['[1]', /JSON object/],
      ['"text"', /JSON object/],
      ['null', /JSON object/],
      [{}, /person/],
      [{ people: { external_id: SERIAL } }, /person/],
      [{ person: null }, /profile must be an object.*null/],
      [{ person: 'ada' }, /profile must be an object/],
      [{ person: [SERIAL] }, /profile must be an object/],
      [{ person: { external_id: true } }, /external_id must be text/],
      [{ person: { external_id: { id: SERIAL } } }, /external_id must be text/],
      [{ person: { external_id: 'x'.repeat(300) } }, /external_id is longer than 256/],
      [{ person: { external_id: SERIAL, properties: 'gold' } }, /properties/],
      [{ data: { type: 'profile', attributes: 'x' } }, /attributes must be an object/],
      [{ data: 'x' }, /data must be an object/],
      [{ person: { external_id: SERIAL }, event: 42 }, /event must be an object/],
    ];
    for (const [json, detail] of cases) {
      const a = await w.call(UPDATE, { json });
      const p = assertProblem(a, 400, 'invalid_profile');
      assert.match(p.detail, detail, `${JSON.stringify(json)} → ${p.detail}`);
    }
    await assertNothingUpstream();
  });

  // ------------------------------------------------------------ provider answers
  it('provider 429 (no Retry-After): retried at 250 ms and 750 ms within the budget, then 503 Retry-After 30', async () => {
    script(429, 429, 429);
    const a = await w.call(UPDATE, { json: GOOD });
    const p = assertProblem(a, 503, 'throttled');
    assert.equal(a.headers.get('retry-after'), '30');
    assert.equal(p.upstreamStatus, 429);
    assert.equal(fake.requests.length, 3, 'three attempts fit in 1500 ms (0, +250, +750; +2000 does not)');
    const [r1, r2, r3] = fake.requests;
    assert.ok(r2.receivedAt - r1.receivedAt >= 240, `first backoff ${r2.receivedAt - r1.receivedAt} ms`);
    assert.ok(r3.receivedAt - r2.receivedAt >= 740, `second backoff ${r3.receivedAt - r2.receivedAt} ms`);
    assert.ok(a.ms < 1500 + 700, `answered after ${a.ms} ms (budget 1500)`);
    for (const r of fake.requests) assert.equal(r.url, passPath(fake.templateId, SERIAL));
    assert.equal(a.log.code, 'throttled');
    assert.equal(a.log.upstreamStatus, 429);
  });

  it('provider 500 and 502/503/504: retried within the budget, then 503 upstream_unavailable', async () => {
    script(500, 500, 500);
    const a = await w.call(UPDATE, { json: GOOD });
    const p = assertProblem(a, 503, 'upstream_unavailable');
    assert.equal(a.headers.get('retry-after'), '30');
    assert.equal(p.upstreamStatus, 500);
    assert.equal(fake.requests.length, 3);
    for (const status of [502, 503, 504]) {
      fake.reset();
      script(status, status, status);
      const b = await w.call(UPDATE, { json: GOOD });
      assert.equal(assertProblem(b, 503, 'upstream_unavailable').upstreamStatus, status);
      assert.equal(fake.requests.length, 3);
    }
  });

  it('a retry that succeeds: 429 then 200 → 200 updated after two PATCHes', async () => {
    script(429, 'ok');
    const a = await w.call(UPDATE, { json: GOOD });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, { updated: true, status: 200 });
    assert.equal(fake.requests.length, 2);
    assert.deepEqual(fake.requests[0].json, fake.requests[1].json);
  });

  it("provider's Retry-After is honoured when retrying and given back in seconds", async () => {
    script({ status: 429, retryAfter: 1 }, { status: 429, retryAfter: 1 }, 'ok');
    const a = await w.call(UPDATE, { json: GOOD });
    assertProblem(a, 503, 'throttled');
    assert.equal(a.headers.get('retry-after'), '1');
    assert.equal(fake.requests.length, 2, 'waits 1 s before the 2nd attempt; a 3rd would end after the budget');
    assert.ok(fake.requests[1].receivedAt - fake.requests[0].receivedAt >= 990);
    fake.reset();
    script({ status: 503, retryAfter: 120 }, 'ok');
    const b = await w.call(UPDATE, { json: GOOD });
    assertProblem(b, 503, 'upstream_unavailable');
    assert.equal(b.headers.get('retry-after'), '120');
    assert.equal(fake.requests.length, 1, 'a 120 s wait does not fit in the budget: no retry');
  });

  it('provider hangs: the one attempt may use the whole budget (no second request), then 503 network with Retry-After 30', async () => {
    script('hang', 'hang', 'hang');
    const a = await w.call(UPDATE, { json: GOOD });
    assertProblem(a, 503, 'network');
    assert.equal(a.headers.get('retry-after'), '30');
    assert.equal(a.json.upstreamStatus, undefined);
    // Issue 11: an attempt is never cut short while budget is left, so a
    // timeout used the budget up and nothing is sent twice.
    assert.equal(fake.requests.length, 1);
    assert.ok(a.ms >= 1400 && a.ms < 1500 + 1500, `answered after ${a.ms} ms (budget 1500)`);
    assert.equal(a.log.code, 'network');
    assert.equal(a.log.upstreamStatus, null);
  });

  it('provider drops the connection: retried, then 503 network', async () => {
    script('reset', 'reset', 'reset');
    const a = await w.call(UPDATE, { json: GOOD });
    assertProblem(a, 503, 'network');
    assert.equal(a.headers.get('retry-after'), '30');
    assert.equal(fake.requests.length, 3);
  });

  it('provider 4xx (not 429) → 422 with code, upstreamStatus and the provider message; not retried', async () => {
    const cases = [
      [404, 'not_found', /Pass not found/],
      [401, 'unauthorized', /Invalid API key/],
      [403, 'unauthorized', /Forbidden/],
      [{ status: 403, body: { msg: 'Enterprise plan required', code: 'ENTERPRISE_REQUIRED' } }, 'unauthorized', /Enterprise plan required.*ENTERPRISE_REQUIRED/],
      [400, 'rejected', /Bad request/],
      [{ status: 400, body: { error: "Field 'points-balance' is not on this template" } }, 'rejected', /points-balance' is not on this template/],
      [409, 'rejected', /Conflict/],
      [{ status: 418, body: "I'm a teapot" }, 'rejected', /teapot/],
    ];
    for (const [step, code, detail] of cases) {
      fake.reset();
      script(step, 'ok', 'ok');
      const status = typeof step === 'number' ? step : step.status;
      const a = await w.call(UPDATE, { json: GOOD });
      const p = assertProblem(a, 422, code);
      assert.equal(p.upstreamStatus, status);
      assert.match(p.detail, detail);
      assert.equal(fake.requests.length, 1, `${status} must not be retried`);
      assert.equal(a.log.upstreamStatus, status);
      assert.equal(a.log.code, code);
    }
  });

  it('a redirect from the provider is not followed (it could carry the key elsewhere): 422', async () => {
    script({ status: 307, headers: { Location: `${fake.url}/v1/elsewhere` }, body: '' });
    const a = await w.call(UPDATE, { json: GOOD });
    assertProblem(a, 422, 'rejected');
    assert.deepEqual(fake.requests.map((r) => r.url), [passPath(fake.templateId, SERIAL)]);
  });

  it('the API key echoed by the provider is redacted to *** (4xx JSON, 4xx text, 5xx)', async () => {
    script('echo-key');
    const a = await w.call(UPDATE, { json: GOOD });
    const p = assertProblem(a, 422, 'rejected');
    assert.match(p.detail, /\*\*\*/);
    assert.ok(!a.text.includes(fake.apiKey));
    fake.reset();
    script({ status: 400, body: 'bad key {key}!', echoKey: true });
    const b = await w.call(UPDATE, { json: GOOD });
    assert.match(assertProblem(b, 422, 'rejected').detail, /\*\*\*/);
    fake.reset();
    const step = { status: 500, body: { error: 'crashed for {key}' }, echoKey: true };
    script(step, step, step);
    const c = await w.call(UPDATE, { json: GOOD });
    assertProblem(c, 503, 'upstream_unavailable');
    assert.ok(!c.text.includes(fake.apiKey));
    // (checkAnswer in helpers asserts no secret in every answer and header as well.)
  });

  it('the provider echoing the email shows in the answer detail at most, never in the log line', async () => {
    script({ status: 400, body: { error: `Invalid email ${EMAIL}` } });
    const a = await w.call(UPDATE, { json: GOOD });
    assertProblem(a, 422, 'rejected');
    assert.ok(!JSON.stringify(a.log).includes(EMAIL));
  });

  // ------------------------------------------------------------ create / delete routes
  it('POST /passninja/delete: one DELETE of the serial → 200 {deleted:true}; skipped without a serial', async () => {
    const a = await w.call('/passninja/delete', { json: flatBody({ external_id: 'a/b' }) });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, { deleted: true, status: 200 });
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0];
    assert.equal(r.method, 'DELETE');
    assert.equal(r.url, passPath(fake.templateId, 'a/b'));
    assert.equal(r.headers['x-api-key'], fake.apiKey);
    assert.equal(r.body, '');
    fake.reset();
    const b = await w.call('/passninja/delete', { json: flatBody({}) });
    assert.deepEqual(b.json, { skipped: true, reason: 'no active pass' });
    await assertNothingUpstream();
  });

  it('POST /passninja/create: one POST /v1/passes → 200 {created, serial, url}; skipped when a pass exists; never retried', async () => {
    const a = await wl.call('/passninja/create', { json: flatBody({ properties: { loyalty_points: 10 } }) });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.created, true);
    assert.match(a.json.serial, /^[0-9a-f]{18}$/);
    assert.equal(a.json.url, `https://passninja.com/p/${a.json.serial}`);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0].method, 'POST');
    assert.equal(fake.requests[0].url, '/v1/passes');
    assert.deepEqual(fake.requests[0].json, { passTemplate: fake.templateId, pass: { 'points-balance': '10', 'loyalty-tier': 'Standard' } });
    fake.reset();
    const b = await wl.call('/passninja/create', { json: flatBody({ external_id: SERIAL }) });
    assert.deepEqual(b.json, { skipped: true, reason: 'pass already exists' });
    await assertNothingUpstream();
    fake.reset();
    script(500, 'ok');
    const c = await wl.call('/passninja/create', { json: flatBody({}) });
    // The delivery ledger (PASSBRIDGE_LEDGER=auto) holds an uncertain create
    // for a person: 202, so Klaviyo does not resend it.
    assert.equal(c.status, 202, c.text);
    assert.deepEqual(c.json, { accepted: true, ambiguous: true, delivery: c.headers.get('passbridge-delivery'), code: 'upstream_unavailable' });
    assert.equal(c.log.ledger, 'ambiguous');
    assert.equal(fake.requests.length, 1, 'a retried create would make a second pass');
  });

  // ------------------------------------------------------------ logs
  it('log line without X-Klaviyo-Flow-ID has flowId null; a flow id is logged only when authenticated and shaped like one', async () => {
    const before = w.logs.length;
    const a = await w.call(UPDATE, { json: GOOD, flowId: null });
    assert.equal(a.status, 200);
    await w.waitForLogs(before + 1);
    const line = JSON.parse(w.logs[before]);
    assert.equal(line.flowId, null);
    assert.equal(line.route, UPDATE);
    // Issue 11: not the shape of a Klaviyo flow id (letters and digits, at most 32) → left out.
    const cases = [
      [`F${'0123456789'.repeat(30)}`, GOOD, AUTH, null],
      ['victim2@example.com', GOOD, AUTH, null],
      ['flow-1', GOOD, AUTH, null],
      ['AbC123', GOOD, AUTH, 'AbC123'],
      // Unauthenticated: never logged, whatever its shape.
      ['AbC123', GOOD, 'Bearer wrong', null],
      ['victim2@example.com', GOOD, null, null],
    ];
    let n = before + 1;
    for (const [flow, json, auth, logged] of cases) {
      await w.call(UPDATE, { json, flowId: null, auth, headers: { 'x-klaviyo-flow-id': flow } });
      await w.waitForLogs(++n);
      const l = JSON.parse(w.logs[n - 1]);
      assert.equal(l.flowId, logged, `${flow} (${auth}): ${w.logs[n - 1]}`);
      assert.ok(!w.logs[n - 1].includes('example.com'), w.logs[n - 1]);
    }
  });

  it('one JSON log line per request, with the documented keys and no secret, email or phone number', async () => {
    await w.waitForLogs(w.sent);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.logs.length, w.sent, 'exactly one log line per request');
    assertCleanLogs(w.logs, [SECRET, fake.apiKey]);
    assert.deepEqual(w.stderr.filter((l) => !/^warn/.test(l)), [], 'nothing on the error log');
  });
});

describe('worker: default budget (PASSBRIDGE_BUDGET_MS and PASSBRIDGE_DRY_RUN unset)', () => {
  let w;
  before(async () => {
    w = await worker({ PASSBRIDGE_BUDGET_MS: undefined, PASSBRIDGE_DRY_RUN: undefined });
  });

  it('dry run unset means off: the PATCH is sent', async () => {
    const a = await w.call(UPDATE, { json: GOOD });
    assert.deepEqual(a.json, { updated: true, status: 200 });
    assertOnePatch(SERIAL, { 'points-balance': '1500', 'loyalty-tier': 'Gold' });
  });

  it('the 3000 ms default budget waits out a 2 s Retry-After (a 1500 ms budget would not)', async () => {
    script({ status: 429, retryAfter: 2 }, 'ok');
    const a = await w.call(UPDATE, { json: GOOD });
    assert.equal(a.status, 200, a.text);
    assert.equal(fake.requests.length, 2);
    assert.ok(fake.requests[1].receivedAt - fake.requests[0].receivedAt >= 1990);
  });
});

describe('worker: a small budget does not wait for a long Retry-After', () => {
  it('budget 1500, Retry-After 2 → one attempt, 503 with Retry-After 2', async () => {
    const w = await worker({ PASSBRIDGE_BUDGET_MS: '1500' });
    try {
      script({ status: 429, retryAfter: 2 }, 'ok');
      const a = await w.call(UPDATE, { json: GOOD });
      assertProblem(a, 503, 'throttled');
      assert.equal(a.headers.get('retry-after'), '2');
      assert.equal(fake.requests.length, 1);
      assert.ok(a.ms < 1500, `answered after ${a.ms} ms: no point waiting when the retry cannot fit`);
    } finally {
      await w.stop();
    }
  });
});

describe('worker: upstream unreachable', () => {
  it('connection refused → 503 network with Retry-After 30, within the budget', async () => {
    const port = await closedPort();
    const w = await worker({ PASSNINJA_BASE_URL: `http://127.0.0.1:${port}`, PASSBRIDGE_BUDGET_MS: '1500' });
    try {
      const a = await w.call(UPDATE, { json: GOOD });
      assertProblem(a, 503, 'network');
      assert.equal(a.headers.get('retry-after'), '30');
      assert.ok(a.ms < 1500 + 1500, `${a.ms} ms`);
    } finally {
      await w.stop();
    }
  });
});

describe('worker: dry run', () => {
  for (const flag of ['1', 'true']) {
    it(`PASSBRIDGE_DRY_RUN=${flag}: 200 {dryRun, request} with X-API-KEY "***", nothing sent`, async () => {
      const w = await worker({ PASSBRIDGE_DRY_RUN: flag });
      try {
        const a = await w.call(UPDATE, { json: flatBody({ external_id: '../x', properties: { loyalty_points: 9 } }) });
        assert.equal(a.status, 200, a.text);
        assert.deepEqual(a.json, {
          dryRun: true,
          request: {
            method: 'PATCH',
            url: `${fake.url}/v1/passes/${fake.templateId}/..%2Fx`,
            headers: { 'X-API-KEY': '***', 'X-ACCOUNT-ID': fake.accountId, 'Content-Type': 'application/json' },
            body: JSON.stringify({ pass: { 'points-balance': '9', 'loyalty-tier': 'Standard' } }),
          },
        });
        assert.equal(a.log.outcome, 'dry_run');
        const b = await w.call(UPDATE, { json: flatBody({}) });
        assert.deepEqual(b.json, { skipped: true, reason: 'no active pass' });
        const c = await w.call(UPDATE, { json: GOOD, auth: 'Bearer wrong' });
        assertProblem(c, 401, 'unauthorized');
        await assertNothingUpstream();
      } finally {
        await w.stop();
      }
    });
  }

  it('PASSBRIDGE_DRY_RUN=false: sent for real', async () => {
    const w = await worker({ PASSBRIDGE_DRY_RUN: 'false' });
    try {
      const a = await w.call(UPDATE, { json: GOOD });
      assert.deepEqual(a.json, { updated: true, status: 200 });
      assertOnePatch(SERIAL, { 'points-balance': '1500', 'loyalty-tier': 'Gold' });
    } finally {
      await w.stop();
    }
  });
});

describe('worker: custom PASSBRIDGE_FIELDS', () => {
  it('the configured mapping is used (person, properties, event), and only its fields are sent', async () => {
    const fields = {
      'member-name': "{{ person.first_name|upper }} {{ person.last_name|default:'' }}",
      'points-balance': '{{ person.properties.points_total|default_if_none:0 }}',
      'last-visit': "{{ event.store|default:'online' }}",
    };
    const w = await worker({ PASSBRIDGE_FIELDS: JSON.stringify(fields) });
    try {
      const a = await w.call(UPDATE, {
        json: flatBody({ external_id: SERIAL, last_name: 'Lovelace', properties: { points_total: 88, loyalty_points: 1 } }, { store: 'Soho' }),
      });
      assert.equal(a.status, 200, a.text);
      assertOnePatch(SERIAL, { 'member-name': 'ADA Lovelace', 'points-balance': '88', 'last-visit': 'Soho' });
      fake.reset();
      const b = await w.call(UPDATE, { json: { person: jsonApiProfile({ external_id: SERIAL }) } });
      assert.equal(b.status, 200, b.text);
      assertOnePatch(SERIAL, { 'member-name': 'ADA ', 'points-balance': '0', 'last-visit': 'online' });
    } finally {
      await w.stop();
    }
  });
});

describe('worker: configuration errors fail loudly (500), never a skip, nothing upstream', () => {
  const cases = [
    ['PASSBRIDGE_FIELDS is not JSON', { PASSBRIDGE_FIELDS: '{"points-balance": "{{ person.properties.loyalty_points }}"' }, 'invalid_config', /PASSBRIDGE_FIELDS/],
    ['PASSBRIDGE_FIELDS is not an object', { PASSBRIDGE_FIELDS: '["points-balance"]' }, 'invalid_config', /PASSBRIDGE_FIELDS/],
    ['PASSBRIDGE_FIELDS has a bad template', { PASSBRIDGE_FIELDS: '{"points-balance": "{{ person.properties.loyalty_points|nope }}"}' }, 'invalid_template', /points-balance.*nope/],
    ['PASSBRIDGE_FIELDS has an unclosed tag', { PASSBRIDGE_FIELDS: '{"loyalty-tier": "{{ person.properties.loyalty_tier"}' }, 'invalid_template', /loyalty-tier/],
    ['PASSBRIDGE_BUDGET_MS is not a number', { PASSBRIDGE_BUDGET_MS: 'soon' }, 'invalid_config', /PASSBRIDGE_BUDGET_MS/],
    ['PASSBRIDGE_DRY_RUN is not a boolean', { PASSBRIDGE_DRY_RUN: 'maybe' }, 'invalid_config', /PASSBRIDGE_DRY_RUN/],
  ];
  for (const [name, extra, code, detail] of cases) {
    it(`${name} → 500 ${code} for every route request (a skip body included)`, async () => {
      const w = await worker(extra);
      try {
        for (const [path, json] of [
          [UPDATE, GOOD],
          [UPDATE, flatBody({})],
          ['/passninja/delete', GOOD],
          ['/passninja/create', flatBody({})],
        ]) {
          const a = await w.call(path, { json });
          const p = assertProblem(a, 500, code);
          assert.match(p.detail, detail);
          assert.equal(a.log.code, code);
        }
        // Still authenticated first, and health still answers.
        assertProblem(await w.call(UPDATE, { json: GOOD, auth: null }), 401, 'unauthorized');
        assert.equal((await w.call('/health', { method: 'GET', auth: null })).status, 200);
        await assertNothingUpstream();
      } finally {
        await w.stop();
      }
    });
  }

  it('PASSNINJA_API_KEY missing → 500 missing_config; a bad account id → 500 invalid_config', async () => {
    const w = await worker({ PASSNINJA_API_KEY: undefined });
    try {
      const p = assertProblem(await w.call(UPDATE, { json: GOOD }), 500, 'missing_config');
      assert.match(p.detail, /PASSNINJA_API_KEY/);
    } finally {
      await w.stop();
    }
    const w2 = await worker({ PASSNINJA_ACCOUNT_ID: 'acct_123' });
    try {
      const p = assertProblem(await w2.call(UPDATE, { json: GOOD }), 500, 'invalid_config');
      assert.match(p.detail, /PASSNINJA_ACCOUNT_ID/);
    } finally {
      await w2.stop();
    }
    await assertNothingUpstream();
  });

  for (const [name, secret] of [['unset', undefined], ['empty', '']]) {
    it(`PASSBRIDGE_WEBHOOK_SECRET ${name} → 500 missing_config for every route request (fail closed)`, async () => {
      const w = await worker({}, { secret });
      try {
        for (const path of ['/passninja/update', '/passninja/create', '/passninja/delete']) {
          for (const auth of [null, AUTH, 'Bearer ', 'Bearer undefined']) {
            const a = await w.call(path, { json: GOOD, auth });
            const p = assertProblem(a, 500, 'missing_config');
            assert.match(p.detail, /PASSBRIDGE_WEBHOOK_SECRET/);
          }
        }
        const h = await w.call('/health', { method: 'GET', auth: null });
        assert.equal(h.status, 200);
        await assertNothingUpstream();
      } finally {
        await w.stop();
      }
    });
  }
});

describe('worker: logs of every configuration', () => {
  it('every log line of every Worker started here is clean JSON', () => {
    for (const { w, bindings } of started) {
      if (w.logs.length === 0) continue;
      assertCleanLogs(w.logs, [bindings.PASSNINJA_API_KEY, bindings.PASSBRIDGE_WEBHOOK_SECRET].filter(Boolean));
    }
  });
});
