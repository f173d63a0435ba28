// GET / on the Worker (real workerd via Miniflare) is the mapping playground
// page: the exact bytes of dist/playground.html, with its CSP, no secret
// needed, and nothing of the Worker's environment in it.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startWorker, ROOT, SECRET } from './helpers.mjs';

// Configuration values that must never reach the page (none is a page sample).
const BINDINGS = {
  PASSNINJA_API_KEY: 'pn_key_9f8e7d6c5b4a',
  PASSNINJA_ACCOUNT_ID: 'aid_0xc0ffee42',
  PASSNINJA_TEMPLATE_ID: 'ptk_0xbadc0de7',
  PASSBRIDGE_FIELDS: '{"secret-field-name":"{{ person.properties.vip_code }}"}',
  PASSBRIDGE_WEBHOOK_SECRET: SECRET,
  WALLETCREW_TENANT_ID: 'tenant-7c1e',
};

const PAGE = readFileSync(new URL('../../dist/playground.html', import.meta.url), 'utf8');
const cspOfPage = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(PAGE)?.[1].replaceAll('&#39;', "'");

describe('Worker GET / (the playground page)', () => {
  let w;
  before(async () => {
    w = await startWorker(BINDINGS);
  });
  after(async () => {
    await w?.stop();
  });

  it('answers the page with status 200, text/html and the CSP, without any secret', async () => {
    const res = await w.mf.dispatchFetch(new URL('/', w.url), { method: 'GET' });
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /^default-src 'none';/);
    assert.match(csp, /'wasm-unsafe-eval'/);
    assert.doesNotMatch(csp, /connect-src|https?:|\*/);
    assert.equal(csp, cspOfPage, 'the header and the page meta say the same');
    assert.equal(text, PAGE, 'the exact bytes of dist/playground.html');
    for (const [name, value] of Object.entries(BINDINGS)) {
      assert.ok(!text.includes(value), `${name} shows in the page`);
      for (const [k, v] of res.headers) assert.ok(!v.includes(value), `${name} shows in header ${k}`);
    }
    assert.ok(!text.includes('vip_code'));
  });

  it('HEAD / has the same headers and no body; other methods get 405 with Allow', async () => {
    const head = await w.mf.dispatchFetch(new URL('/', w.url), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.ok(head.headers.get('content-security-policy').startsWith("default-src 'none'"));
    assert.equal(await head.text(), '');
    const post = await w.call('/', { json: { person: {} } });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    assert.equal(post.json.code, 'method_not_allowed');
  });

  it('needs no configuration at all, and logs one line per request', async () => {
    const bare = await startWorker({});
    try {
      const res = await bare.mf.dispatchFetch(new URL('/', bare.url));
      assert.equal(res.status, 200);
      assert.equal(await res.text(), PAGE);
      await bare.waitForLogs(1);
      const line = JSON.parse(bare.logs.at(-1));
      assert.deepEqual([line.route, line.status, line.outcome, line.code], ['/', 200, 'home', null]);
    } finally {
      await bare.stop();
    }
  });
});
