// The ledger survives a restart: `wrangler d1 migrations apply --local` on a
// state directory, `wrangler dev --local --config worker.toml --persist-to`
// that directory, deliver a balance change, stop wrangler, start it again on
// the same state, redeliver → the stored answer is replayed and nothing
// reaches the (fake) provider. And ordering (issue 15): a PassNinja update
// first seen before the restart is superseded after it by a newer one.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { startFakePassNinja } from '../js/fake-passninja.mjs';
import { waitForPkg, httpRequest, ROOT, SECRET, AUTH, EMAIL } from './helpers.mjs';
import { startWranglerDev as startDev, wranglerEnv, WRANGLER } from '../support/wrangler-dev.mjs';


describe('the ledger survives a wrangler dev restart (same --persist-to state)', () => {
  let jc;
  let pn;
  let dir;
  let dev;

  before(async () => {
    await waitForPkg();
    jc = await startFakeJeriCommerce();
    pn = await startFakePassNinja();
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.tmp', 'ledger-restart-'));
  });

  after(async () => {
    await dev?.stop();
    await jc?.stop();
    await pn?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deliver, restart, redeliver → replay, no upstream request', async () => {
    const state = join(dir, 'state');
    // What `make dev` and a deploy do: apply the migrations (here to the local state).
    await promisify(execFile)(
      WRANGLER,
      ['d1', 'migrations', 'apply', 'passbridge-ledger', '--local', '--config', 'worker.toml', '--persist-to', state],
      { cwd: ROOT, env: wranglerEnv(), timeout: 60_000 },
    );
    const envFile = join(dir, 'secrets.env');
    writeFileSync(envFile, `JERICOMMERCE_API_KEY=${jc.apiKey}\nPASSBRIDGE_WEBHOOK_SECRET=${SECRET}\n`, { mode: 0o600 });
    const vars = {
      JERICOMMERCE_PROGRAM_SLUG: jc.slug,
      JERICOMMERCE_BASE_URL: jc.url,
      PASSBRIDGE_DELTA: '{{ event.points }}',
      PASSBRIDGE_REASON: 'Klaviyo {{ event.reason }}',
      PASSBRIDGE_DRY_RUN: '0',
    };
    const body = JSON.stringify({ person: { email: EMAIL }, event: { points: 120, reason: 'restart' } });
    const headers = { 'content-type': 'application/json', authorization: AUTH, 'content-length': String(Buffer.byteLength(body)) };
    const agent = new http.Agent({ keepAlive: false });
    try {
      dev = await startDev(state, envFile, vars);
      const first = await httpRequest(agent, dev.port, { path: '/jericommerce/balance', headers, body });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      assert.equal(jc.requests.length, 1);
      await dev.stop();
      dev = null;

      dev = await startDev(state, envFile, vars);
      const again = await httpRequest(agent, dev.port, { path: '/jericommerce/balance', headers, body });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.text, first.text);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.headers['passbridge-delivery'], first.headers['passbridge-delivery']);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(jc.requests.length, 1, 'the restarted Worker answered from the ledger');
      assert.equal(jc.balanceOf(EMAIL), 120);
      for (const s of [SECRET, jc.apiKey, EMAIL]) assert.ok(!dev.output().includes(s), `wrangler output shows ${s}`);
    } finally {
      agent.destroy();
    }
  });
  it('ordering across a restart: E1 fails, restart, E2 applies, E1 resent → superseded (issue 15)', async () => {
    await dev?.stop();
    dev = null;
    const state = join(dir, 'state-order');
    await promisify(execFile)(
      WRANGLER,
      ['d1', 'migrations', 'apply', 'passbridge-ledger', '--local', '--config', 'worker.toml', '--persist-to', state],
      { cwd: ROOT, env: wranglerEnv(), timeout: 60_000 },
    );
    const envFile = join(dir, 'secrets-order.env');
    writeFileSync(envFile, `PASSNINJA_API_KEY=${pn.apiKey}\nPASSBRIDGE_WEBHOOK_SECRET=${SECRET}\n`, { mode: 0o600 });
    const vars = {
      PASSNINJA_ACCOUNT_ID: pn.accountId,
      PASSNINJA_TEMPLATE_ID: pn.templateId,
      PASSNINJA_BASE_URL: pn.url,
      PASSBRIDGE_DRY_RUN: '0',
    };
    const serial = 'restart-order-1';
    const bodyOf = (points) => JSON.stringify({ person: { external_id: serial, properties: { loyalty_points: points } } });
    const send = (points) => {
      const body = bodyOf(points);
      const headers = { 'content-type': 'application/json', authorization: AUTH, 'content-length': String(Buffer.byteLength(body)) };
      return httpRequest(agent, dev.port, { path: '/passninja/update', headers, body });
    };
    const agent = new http.Agent({ keepAlive: false });
    try {
      dev = await startDev(state, envFile, vars);
      pn.script({ status: 503, retryAfter: 60, headers: { Connection: 'close' } });
      const e1 = await send(100);
      assert.equal(e1.status, 503, e1.text);
      await dev.stop();
      dev = null;

      dev = await startDev(state, envFile, vars);
      const e2 = await send(200);
      assert.equal(e2.status, 200, e2.text);
      const again = await send(100);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(JSON.parse(again.text), { skipped: true, reason: 'superseded', delivery: e1.headers['passbridge-delivery'] });
      assert.equal(pn.passes.get(`${pn.templateId}/${serial}`).pass['points-balance'], '200');
      const e1Sent = pn.requests.filter((r) => r.json?.pass?.['points-balance'] === '100').length;
      assert.equal(e1Sent, 1, 'the provider received E1 once: its first sighting survived the restart');
    } finally {
      agent.destroy();
    }
  });
});
