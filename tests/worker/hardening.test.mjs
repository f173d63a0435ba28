// Issue 11 in workerd (Miniflare): the adversarial probe's Worker cases.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, startFakePassNinja, flatBody, httpRequest, SECRET, AUTH } from './helpers.mjs';
import http from 'node:http';

const UPDATE = '/passninja/update';
const SERIAL = '5d2b3f8a9c0e1f2a3b';
const GOOD = flatBody({ external_id: SERIAL, properties: { loyalty_points: 7, loyalty_tier: 'Gold' } });

describe('worker hardening (issue 11)', () => {
  let fake;
  let w;
  before(async () => {
    fake = await startFakePassNinja();
    // The Worker's own default budget (3000 ms): PASSBRIDGE_BUDGET_MS unset.
    // Many deliveries of one body, each to be sent: no D1 binding, so under the
    // default auto the update route is not recorded (issue 15 records it with one).
    w = await startWorker({ ...fake.env(), PASSBRIDGE_WEBHOOK_SECRET: SECRET }, { ledger: false });
  });
  after(async () => {
    await w?.stop();
    await fake?.stop();
  });

  it('3. a provider answering after 1.6 s: 200 concurrent deliveries → 200 × 200, exactly 200 upstream requests', { timeout: 120_000 }, async () => {
    // Every request answers after 1.6 s.
    const steps = Array.from({ length: 200 }, () => ({ delayMs: 1600 }));
    fake.reset();
    fake.script(...steps);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
    try {
      const body = JSON.stringify(GOOD);
      const headers = { 'content-type': 'application/json', authorization: AUTH, 'content-length': String(Buffer.byteLength(body)) };
      const answers = await Promise.all(
        Array.from({ length: 200 }, () => httpRequest(agent, w.port, { path: UPDATE, headers, body }, 20_000)),
      );
      const statuses = answers.map((a) => a.status);
      assert.deepEqual([...new Set(statuses)], [200], `statuses: ${JSON.stringify(statuses.filter((s) => s !== 200).slice(0, 5))}`);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(fake.requests.length, 200, 'exactly one upstream request per delivery');
    } finally {
      agent.destroy();
    }
  });

  it('4. a 429 with Retry-After: 99999999999 becomes 503 with Retry-After: 3600 (one hour)', async () => {
    fake.reset();
    fake.script({ status: 429, retryAfter: '99999999999', body: { error: 'slow down' } });
    const a = await w.call(UPDATE, { json: GOOD });
    assert.equal(a.status, 503);
    assert.equal(a.headers.get('retry-after'), '3600');
    fake.reset();
    fake.script({ status: 429, retryAfter: 'Fri, 31 Dec 9999 23:59:59 GMT', body: { error: 'slow down' } });
    const b = await w.call(UPDATE, { json: GOOD });
    assert.equal(b.headers.get('retry-after'), '3600');
    // A date in the past counts as 0; garbage is ignored (then the Worker's own 30 s).
    fake.reset();
    const past = { status: 429, retryAfter: 'Sun, 06 Nov 1994 08:49:37 GMT', body: { error: 'slow down' } };
    fake.script(past, past, past, past);
    const c = await w.call(UPDATE, { json: GOOD });
    assert.equal(c.status, 503);
    assert.equal(c.headers.get('retry-after'), '0');
    fake.reset();
    const garbage = { status: 429, retryAfter: 'whenever', body: { error: 'slow down' } };
    fake.script(garbage, garbage, garbage, garbage);
    const d = await w.call(UPDATE, { json: GOOD });
    assert.equal(d.headers.get('retry-after'), '30');
  });

  it('1. rendering is bounded in the Worker too: a field over 8192 bytes is 400 invalid_profile, and the next request works', async () => {
    const t = '{{person.b}}'.repeat(341);
    const fake2 = await startFakePassNinja();
    const w2 = await startWorker({ ...fake2.env(), PASSBRIDGE_WEBHOOK_SECRET: SECRET, PASSBRIDGE_FIELDS: JSON.stringify({ a: t }) }, { ledger: false });
    try {
      const big = flatBody({ external_id: SERIAL, properties: { b: 'x'.repeat(60_000) } });
      const a = await w2.call(UPDATE, { json: big });
      assert.equal(a.status, 400, a.text);
      assert.equal(a.json.code, 'invalid_profile');
      assert.match(a.json.detail, /'a'/);
      assert.match(a.json.detail, /8192 bytes/);
      const ok = await w2.call(UPDATE, { json: flatBody({ external_id: SERIAL, properties: { b: 'y' } }) });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(fake2.requests.length, 1);
    } finally {
      await w2.stop();
      await fake2.stop();
    }
  });

  it('the Authorization scheme is case-insensitive', async () => {
    for (const scheme of ['BEARER', 'bearer', 'BeArEr']) {
      fake.reset();
      const a = await w.call(UPDATE, { json: GOOD, auth: `${scheme} ${SECRET}` });
      assert.equal(a.status, 200, `${scheme}: ${a.text}`);
    }
    const wrong = await w.call(UPDATE, { json: GOOD, auth: `Basic ${SECRET}` });
    assert.equal(wrong.status, 401);
  });

  it('5. a flow id shaped like an email is never logged, on 401 or after authentication', async () => {
    const before = w.logs.length;
    await w.call(UPDATE, { json: GOOD, auth: null, flowId: 'victim2@example.com' });
    fake.reset();
    await w.call(UPDATE, { json: GOOD, flowId: 'victim2@example.com' });
    await w.waitForLogs(before + 2);
    for (const line of w.logs.slice(before)) {
      assert.ok(!line.includes('victim2'), line);
      assert.equal(JSON.parse(line).flowId, null, line);
    }
  });

  it('a client that disconnects mid-body is logged as client_closed, not internal_error', async () => {
    const before = w.logs.length;
    const net = await import('node:net');
    await new Promise((resolve) => {
      const socket = net.connect(w.port, '127.0.0.1', () => {
        socket.write(
          `POST ${UPDATE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"per\r\n`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 300);
      });
      socket.on('error', () => {});
    });
    await w.waitForLogs(before + 1, 10_000);
    const line = JSON.parse(w.logs[before]);
    assert.equal(line.outcome, 'client_closed', w.logs[before]);
    assert.equal(line.code, 'client_closed');
    assert.ok(line.status >= 400 && line.status < 500, w.logs[before]);
  });
});

describe('worker hardening: base URL parsing', () => {
  it('PASSNINJA_BASE_URL=http://[::1].evil.example is a 500 invalid_config, nothing sent', async () => {
    const fake = await startFakePassNinja();
    const w = await startWorker({ ...fake.env(), PASSNINJA_BASE_URL: 'http://[::1].evil.example', PASSBRIDGE_WEBHOOK_SECRET: SECRET }, { ledger: false });
    try {
      const a = await w.call(UPDATE, { json: GOOD });
      assert.equal(a.status, 500);
      assert.equal(a.json.code, 'invalid_config');
      assert.match(a.json.detail, /PASSNINJA_BASE_URL/);
      assert.ok(!a.text.includes('evil'), a.text);
      assert.equal(fake.requests.length, 0);
    } finally {
      await w.stop();
      await fake.stop();
    }
  });
});
