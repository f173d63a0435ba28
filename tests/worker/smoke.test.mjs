// Smoke test of the deployable shape: `wrangler dev --local --config worker.toml`
// (wrangler bundles js/worker.mjs + the wasm exactly as for a deploy) over real
// HTTP on 127.0.0.1, against the fake PassNinja API.
//
// wrangler loads .dev.vars automatically, and a developer's .dev.vars (make dev
// creates one) would override --var values for the two secrets. Passing
// --env-file makes wrangler skip .dev.vars (and .env): the two secrets go in a
// temporary env file (bound as secrets, which wrangler prints as hidden; --var
// values are printed in clear in its bindings table), the other variables as
// --var. The test also checks that the .dev.vars secret is refused.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { startFakePassNinja, waitForPkg, closedPort, httpRequest, passPath, ROOT, SECRET, AUTH, EMAIL, PHONE } from './helpers.mjs';

const READY_TIMEOUT_MS = 45_000;

describe('wrangler dev --local --config worker.toml', () => {
  let fake;
  let child;
  let port;
  let dir;
  let output = '';
  let exited = null;

  before(async () => {
    await waitForPkg();
    fake = await startFakePassNinja();
    port = await closedPort();
    const inspectorPort = await closedPort();
    dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'passbridge-smoke-'));
    const envFile = join(dir, 'secrets.env');
    writeFileSync(envFile, `PASSNINJA_API_KEY=${fake.apiKey}\nPASSBRIDGE_WEBHOOK_SECRET=${SECRET}\n`, { mode: 0o600 });
    const vars = {
      PASSNINJA_ACCOUNT_ID: fake.accountId,
      PASSNINJA_TEMPLATE_ID: fake.templateId,
      PASSNINJA_BASE_URL: fake.url,
      PASSBRIDGE_DRY_RUN: '0',
    };
    const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
    for (const k of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_INCLUDE_PROCESS_ENV']) delete env[k];
    // As `make dev` does: the ledger's migrations first (since issue 15 the
    // default PASSBRIDGE_LEDGER=auto records updates too), on a state of its own.
    const state = join(dir, 'state');
    await promisify(execFile)(
      join(ROOT, 'node_modules/.bin/wrangler'),
      ['d1', 'migrations', 'apply', 'passbridge-ledger', '--local', '--config', 'worker.toml', '--persist-to', state],
      { cwd: ROOT, env, timeout: 60_000 },
    );
    const args = [
      'dev', '--local', '--config', 'worker.toml', '--persist-to', state,
      '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
      '--show-interactive-dev-session=false',
      '--env-file', envFile,
      ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ];
    child = spawn(join(ROOT, 'node_modules/.bin/wrangler'), args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const onData = (d) => {
      if (output.length < 200_000) output += d.toString();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // Bounded wait for "Ready on".
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let done = false;
    exited.then(() => {
      done = true;
    });
    while (!/Ready on/.test(output)) {
      if (done) assert.fail(`wrangler dev exited before it was ready:\n${output}`);
      if (Date.now() > deadline) assert.fail(`wrangler dev not ready after ${READY_TIMEOUT_MS} ms:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      // The whole process group: wrangler, its workerd and esbuild children.
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const stopped = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 5000).unref())]);
      if (stopped === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      }
    }
    // Make sure nothing of the group is left behind.
    if (child) {
      try {
        process.kill(-child.pid, 0);
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* group is gone */
      }
    }
    // Our ends of its pipes (a grandchild may have inherited them).
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    await fake?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('GET /health, then one POST /passninja/update that reaches the fake as one PATCH; logs are clean', async () => {
    const agent = new http.Agent({ keepAlive: false });
    try {
      const h = await httpRequest(agent, port, { method: 'GET', path: '/health' });
      assert.equal(h.status, 200, h.text);
      const health = JSON.parse(h.text);
      assert.equal(health.ok, true);
      assert.equal(health.service, 'passbridge');
      for (const s of [fake.accountId, fake.templateId, fake.apiKey, SECRET]) assert.ok(!h.text.includes(s));

      const serial = '5d2b3f8a9c0e1f2a3b';
      const body = JSON.stringify({
        person: { external_id: serial, email: EMAIL, phone_number: PHONE, properties: { loyalty_points: 2024, loyalty_tier: 'Gold' } },
      });
      const headers = { 'content-type': 'application/json', authorization: AUTH, 'x-klaviyo-flow-id': 'smokeflow1', 'content-length': String(Buffer.byteLength(body)) };
      const a = await httpRequest(agent, port, { path: '/passninja/update', headers, body });
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(JSON.parse(a.text), { updated: true, status: 200 });
      assert.equal(fake.requests.length, 1);
      const r = fake.requests[0];
      assert.equal(r.method, 'PATCH');
      assert.equal(r.url, passPath(fake.templateId, serial));
      assert.equal(r.headers['x-api-key'], fake.apiKey);
      assert.equal(r.headers['x-account-id'], fake.accountId);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.deepEqual(r.json, { pass: { 'points-balance': '2024', 'loyalty-tier': 'Gold' } });

      // The secret of a developer's .dev.vars does not apply (--env-file replaced it).
      const devVars = join(ROOT, '.dev.vars');
      const devSecret = existsSync(devVars) ? /^PASSBRIDGE_WEBHOOK_SECRET=(.*)$/m.exec(readFileSync(devVars, 'utf8'))?.[1]?.trim() : undefined;
      for (const auth of ['Bearer dev-webhook-secret', ...(devSecret && devSecret !== SECRET ? [`Bearer ${devSecret}`] : [])]) {
        const b = await httpRequest(agent, port, { path: '/passninja/update', headers: { ...headers, authorization: auth }, body });
        assert.equal(b.status, 401, b.text);
      }
      assert.equal(fake.requests.length, 1);

      // The log line printed by wrangler for the POST: JSON, no secret, email or phone.
      const deadline = Date.now() + 5000;
      while (!output.includes('"flowId":"smokeflow1"') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      const line = output.split('\n').find((l) => l.includes('"flowId":"smokeflow1"'));
      assert.ok(line, `no log line for the POST in wrangler's output:\n${output}`);
      const logged = JSON.parse(line.slice(line.indexOf('{'), line.lastIndexOf('}') + 1));
      assert.equal(logged.route, '/passninja/update');
      assert.equal(logged.status, 200);
      assert.equal(logged.outcome, 'updated');
      for (const s of [SECRET, fake.apiKey, EMAIL, PHONE]) assert.ok(!output.includes(s), `wrangler output shows ${s}`);
    } finally {
      agent.destroy();
    }
  });
});
