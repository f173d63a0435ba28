// The mapping playground (dist/playground.html) in real headless Chromium,
// opened from disk (file://) and driven over WebDriver like a user: it shows
// what `make demo` prints, follows typing, points at mistakes, switches
// through every operation, restores a shared link, and never uses the network.
// The snippets it offers are run through the real Code action (dist/).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBrowser, ROOT } from './webdriver.mjs';
import { saveScreenshot } from '../support/screenshots.mjs';
import { initSync, resultText, playgroundCsp } from '../../pkg/playground/passbridge.js';

initSync({ module: readFileSync(path.join(ROOT, 'pkg/playground/passbridge_bg.wasm')) });

const PAGE = pathToFileURL(path.join(ROOT, 'dist/playground.html')).href;
const example = (name) => readFileSync(path.join(ROOT, 'examples', name), 'utf8');
const PLACEHOLDER_KEY = 'playground-placeholder-key';

/** What `make demo` prints for its first profile: the block between its heading and `result:`. */
function demoRequestText() {
  const out = execFileSync(process.execPath, ['js/demo.mjs'], { cwd: ROOT, encoding: 'utf8' });
  const m = /# profile-with-pass\.json\n([\s\S]*?)\n\nresult: /.exec(out);
  assert.ok(m, `unexpected make demo output:\n${out}`);
  return m[1];
}

/** Every network request the page made, read from Chrome's DevTools events. */
async function pageRequests(browser) {
  const events = (await browser.log('performance')).map((e) => JSON.parse(e.message).message);
  return events
    .filter((m) => m.method === 'Network.requestWillBeSent' || m.method === 'Network.webSocketCreated')
    .map((m) => ({ url: m.params.request?.url ?? m.params.url, document: m.params.documentURL ?? '' }));
}

let browser;
const requestIs = (text) =>
  browser.waitFor((t) => document.querySelector('#request').textContent === t, [text], `#request to be:\n${text}`);
const isStale = () => browser.exec(() => document.querySelector('#request').classList.contains('stale'));

describe('dist/playground.html in headless Chromium', () => {
  before(async () => {
    browser = await startBrowser();
    // Count every way a page could reach the network, before any page script runs.
    await browser.cdp('Page.addScriptToEvaluateOnNewDocument', {
      source: `window.__net = 0;
        for (const [o, k] of [[window, 'fetch'], [navigator, 'sendBeacon'], [window, 'WebSocket'], [window, 'EventSource']]) {
          const orig = o[k]; if (typeof orig !== 'function') continue;
          o[k] = new Proxy(orig, { apply(t, self, args) { window.__net++; return Reflect.apply(t, self, args); },
                                   construct(t, args) { window.__net++; return Reflect.construct(t, args); } });
        }
        const open = XMLHttpRequest.prototype.open;
        XMLHttpRequest.prototype.open = function (...a) { window.__net++; return open.apply(this, a); };`,
    });
  });
  after(async () => {
    await browser?.close();
  });

  it('opens from disk with the sample: a PassNinja PATCH byte-equal to make demo, and takes its screenshot (docs/playground.png under make screenshots)', async () => {
    await browser.log('performance'); // drop the new-tab page's own loads
    await browser.open(PAGE);
    const shown = await browser.text('#request');
    assert.equal(shown, demoRequestText());
    assert.match(shown, /^PATCH https:\/\/api\.passninja\.com\/v1\/passes\/ptk_0x1b7e\/5d2b3f8a9c0e1f2a3b\n/);
    // The same inputs as make demo: its profile, its ids, the default mapping.
    assert.deepEqual(JSON.parse(await browser.value('#profile')), JSON.parse(example('profile-with-pass.json')));
    assert.deepEqual(JSON.parse(await browser.value('#env')), {
      PASSNINJA_ACCOUNT_ID: 'aid_0x3f2a',
      PASSNINJA_TEMPLATE_ID: 'ptk_0x1b7e',
    });
    assert.equal(await browser.value('#event'), '');
    assert.equal(await browser.text('#error'), '');
    assert.equal(await browser.value('#provider'), 'passninja');
    assert.equal(await browser.value('#operation'), 'update');
    assert.equal(await isStale(), false);
    // The key is a placeholder shown as ***, nowhere else.
    assert.match(shown, /^X-API-KEY: \*\*\*$/m);
    const html = await browser.exec(() => document.documentElement.outerHTML + location.href);
    assert.ok(!html.includes(PLACEHOLDER_KEY), 'the placeholder key shows on the page');
    // Each snippet has its copy button.
    for (const id of ['snippet-env', 'snippet-webhook', 'snippet-code']) {
      assert.ok((await browser.text(`#${id}`)).length > 0, id);
      assert.ok(await browser.exec((i) => !!document.querySelector(`button[data-copy="${i}"]`), [id]), `copy button for #${id}`);
    }
    const png = await browser.screenshotPng();
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    saveScreenshot('playground.png', png);
  });

  it('follows typing in #options: a fields template with a filter changes #request at once', async () => {
    await browser.open(PAGE);
    await browser.type('#options', '{"fields": {"tier": "{{ person.properties.loyalty_tier|upper }}", "pts": "{{ person.loyalty_points|add:5 }}"}}');
    // Updated on the keystrokes themselves (no button, no wait).
    const now = await browser.text('#request');
    assert.ok(now.endsWith('\n\n{"pass":{"tier":"GOLD","pts":"1505"}}'), now);
    assert.equal(await browser.text('#error'), '');
    assert.match(await browser.text('#snippet-env'), /^PASSBRIDGE_FIELDS=\{"tier":"\{\{ person\.properties\.loyalty_tier\|upper \}\}",/m);
  });

  it('points at an unknown filter: #error names invalid_template, the field and the position; #request greyed', async () => {
    await browser.open(PAGE);
    const good = await browser.text('#request');
    const template = 'Tier {{ person.properties.loyalty_tier|shout }}';
    await browser.type('#options', JSON.stringify({ fields: { tier: template } }));
    const position = template.indexOf('shout') + 1;
    const error = await browser.text('#error');
    assert.match(error, /^invalid_template: PassNinja error: invalid template for field 'tier' at position (\d+): unknown filter 'shout'/);
    assert.match(error, new RegExp(`option fields, field 'tier', position ${position}:`));
    // A caret under the position, in that template.
    const lines = error.split('\n');
    const caret = lines.at(-1);
    const shownTemplate = lines.at(-2);
    assert.equal(shownTemplate.trim(), template);
    assert.equal(caret.indexOf('^') - shownTemplate.indexOf('T'), position - 1, error);
    assert.equal(await browser.text('#request'), good, 'the last good result stays');
    assert.equal(await isStale(), true);
    // Fixing it brings the result back.
    await browser.type('#options', JSON.stringify({ fields: { tier: template.replace('shout', 'lower') } }));
    await requestIs(good.replace(/\n\n.*$/, '\n\n{"pass":{"tier":"Tier gold"}}'));
    assert.equal(await isStale(), false);
    assert.equal(await browser.text('#error'), '');
  });

  it('reports bad JSON with its line and column; #request keeps the last good result greyed', async () => {
    await browser.open(PAGE);
    const good = await browser.text('#request');
    await browser.type('#profile', '{\n  "external_id": "S1",\n  "email" "ada@example.com"\n}');
    const error = await browser.text('#error');
    assert.match(error, /^invalid_json: #profile at line 3, column 11: expected `:`/);
    assert.ok(error.endsWith('  "email" "ada@example.com"\n            ^'), error);
    assert.equal(await browser.text('#request'), good);
    assert.equal(await isStale(), true);
    // A greyed result looks greyed.
    assert.ok(Number(await browser.exec(() => getComputedStyle(document.querySelector('#request')).opacity)) < 1);
  });

  it('shows the skip reason for a profile without a pass', async () => {
    await browser.open(PAGE);
    await browser.type('#profile', example('profile-without-pass.json'));
    assert.equal(await browser.text('#request'), 'skipped: no active pass');
    assert.equal(await browser.text('#error'), '');
  });

  it('switches through all six operations, each showing its contract method and URL', async () => {
    await browser.open(PAGE);
    const serial = '5d2b3f8a9c0e1f2a3b';
    const cases = [
      ['passninja', 'update', `PATCH https://api.passninja.com/v1/passes/ptk_0x1b7e/${serial}`, '{"pass":{'],
      ['passninja', 'create', 'POST https://api.passninja.com/v1/passes', '{"passTemplate":"ptk_0x1b7e","pass":{'],
      ['passninja', 'delete', `DELETE https://api.passninja.com/v1/passes/ptk_0x1b7e/${serial}`, null],
      ['walletcrew', 'pushUpdate', 'POST https://app.neostore.cloud/api/demo-tenant/webhooks/listeners/klaviyo/passes/pushUpdate', '{"identifiers":{"email":"ada@example.com",'],
      ['walletcrew', 'profileSync', 'POST https://app.neostore.cloud/api/demo-tenant/webhooks/listeners/klaviyo/profiles/sync', '{"email":"ada@example.com","phone_number":"+15005550006"}'],
      ['jericommerce', 'balance', 'POST https://api.jericommerce.com/v1/programs/demo-program/balance/increase', '[{"email":"ada@example.com","amount":50,"reason":"Points for order #1042"}]'],
    ];
    const routes = [];
    for (const [provider, operation, first, body] of cases) {
      if ((await browser.value('#provider')) !== provider) await browser.select('#provider', provider);
      await browser.select('#operation', operation);
      const text = await browser.text('#request');
      assert.equal(text.split('\n')[0], first, `${provider}/${operation}:\n${text}\n${await browser.text('#error')}`);
      if (body === null) assert.ok(!text.includes('\n\n'), text);
      else assert.ok(text.split('\n\n')[1].startsWith(body), text);
      const options = await browser.exec(() => [...document.querySelectorAll('#operation option')].map((o) => o.value));
      assert.ok(options.includes(operation), `${provider}: ${options}`);
      assert.match(await browser.text('#snippet-env'), new RegExp(`^PASSBRIDGE_OPERATION=${operation}$`, 'm'));
      routes.push((await browser.text('#snippet-webhook')).split('\n')[0]);
    }
    assert.deepEqual(routes, [
      'POST https://passbridge.<your-subdomain>.workers.dev/passninja/update',
      'POST https://passbridge.<your-subdomain>.workers.dev/passninja/create',
      'POST https://passbridge.<your-subdomain>.workers.dev/passninja/delete',
      'POST https://passbridge.<your-subdomain>.workers.dev/walletcrew/push-update',
      'POST https://passbridge.<your-subdomain>.workers.dev/walletcrew/profile-sync',
      'POST https://passbridge.<your-subdomain>.workers.dev/jericommerce/balance',
    ]);
    // The operation list follows the provider.
    await browser.select('#provider', 'walletcrew');
    assert.deepEqual(await browser.exec(() => [...document.querySelectorAll('#operation option')].map((o) => o.value)), ['pushUpdate', 'profileSync']);
    // Typed inputs: a create for a profile without a pass, a decrease.
    await browser.select('#provider', 'passninja');
    await browser.select('#operation', 'create');
    await browser.type('#options', '{}');
    await browser.type('#profile', '{"email": "grace@example.com", "properties": {"loyalty_points": 20}}');
    const created = await browser.text('#request');
    assert.equal(created.split('\n')[0], 'POST https://api.passninja.com/v1/passes');
    assert.ok(created.endsWith('{"passTemplate":"ptk_0x1b7e","pass":{"points-balance":"20","loyalty-tier":"Standard"}}'), created);
    // The Worker's write-back after a create (issue 15): shown apart, key hidden, and its secret in the snippet.
    assert.equal(await browser.exec(() => document.querySelector('#write-back-box').hidden), false);
    assert.equal(
      await browser.text('#write-back'),
      'POST https://a.klaviyo.com/api/profile-import\nAuthorization: ***\nrevision: 2026-10-15\nAccept: application/vnd.api+json\nContent-Type: application/vnd.api+json\n\n' +
        '{"data":{"type":"profile","attributes":{"email":"grace@example.com","external_id":"<serial>","properties":{"passbridge_pass_url":"<url>"}}}}',
    );
    assert.match(await browser.text('#snippet-webhook'), /npx wrangler secret put KLAVIYO_PRIVATE_KEY --config worker.toml/);
    await browser.select('#provider', 'jericommerce');
    await browser.type('#event', '{"points": -30, "reason": "refund"}');
    await browser.type('#options', '{"delta": "{{ event.points }}", "reason": "{{ event.reason|title }}"}');
    const decreased = await browser.text('#request');
    assert.equal(await browser.exec(() => document.querySelector('#write-back-box').hidden), true, 'a balance change writes nothing back');
    assert.equal(decreased.split('\n')[0], 'POST https://api.jericommerce.com/v1/programs/demo-program/balance/decrease');
    assert.ok(decreased.endsWith('[{"email":"grace@example.com","amount":30,"reason":"Refund"}]'), decreased);
  });

  it('restores a saved link: same inputs, same result', async () => {
    await browser.open(PAGE);
    await browser.select('#provider', 'walletcrew');
    await browser.select('#operation', 'pushUpdate');
    await browser.type('#options', '{"identifiers": {"customerId": "{{ person.external_id }}"}, "passType": "loyalty", "updateMetadata": true}');
    await browser.type('#env', '{"WALLETCREW_TENANT_ID": "acme"}');
    const state = async () =>
      browser.exec(() => ({
        inputs: ['provider', 'operation', 'profile', 'event', 'options', 'env'].map((id) => document.getElementById(id).value),
        request: document.getElementById('request').textContent,
        snippets: ['snippet-env', 'snippet-webhook', 'snippet-code'].map((id) => document.getElementById(id).textContent),
      }));
    const saved = await state();
    assert.equal(saved.request.split('\n').at(-1), '{"identifiers":{"customerId":"5d2b3f8a9c0e1f2a3b"},"passType":"loyalty","updateMetadata":true}');
    const link = await browser.waitFor(
      () => location.hash.includes('acme') && location.hash.includes('loyalty') && location.href,
      [],
      'the fragment to hold the state',
    );
    assert.ok(!link.includes(PLACEHOLDER_KEY));
    // A fresh load of the link (not just a hash change).
    await browser.go('about:blank');
    await browser.open(link);
    assert.deepEqual(await state(), saved);
    // Pasting a link into an open page works too.
    await browser.open(PAGE);
    await browser.exec((l) => {
      location.hash = new URL(l).hash;
    }, [link]);
    await requestIs(saved.request);
    assert.deepEqual(await state(), saved);
  });

  it('hands out snippets that make the real Code action send exactly the shown request', async () => {
    await browser.open(PAGE);
    await browser.type('#options', '{"fields": {"tier": "{{ person|lookup:\'loyalty_tier\'|lower }}"}}');
    const shown = await browser.text('#request');
    const profile = JSON.parse(await browser.value('#profile'));
    const envSnippet = await browser.text('#snippet-env');
    const codeSnippet = await browser.text('#snippet-code');
    const dist = pathToFileURL(path.join(ROOT, 'dist/klaviyo-code-action.mjs')).href;
    const vars = Object.fromEntries(envSnippet.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(vars.PASSNINJA_API_KEY, '<your PassNinja API key>');
    const env = { ...vars, PASSNINJA_API_KEY: 'k_from_the_test', PASSBRIDGE_DRY_RUN: '1' };
    // The env snippet alone configures the pasted file.
    const { createHandler } = await import(dist);
    const fromEnv = await createHandler({ env })(null, profile, {});
    assert.equal(resultText(fromEnv), shown);
    // The code snippet, as a module next to the single file.
    const dir = path.join(ROOT, '.tmp', 'playground');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `snippet-${process.pid}.mjs`);
    writeFileSync(file, codeSnippet.replace('"./klaviyo-code-action.mjs"', JSON.stringify(dist)));
    const saved = { ...process.env };
    Object.assign(process.env, { PASSNINJA_API_KEY: 'k_from_the_test', PASSNINJA_ACCOUNT_ID: 'aid_0x3f2a', PASSNINJA_TEMPLATE_ID: 'ptk_0x1b7e', PASSBRIDGE_DRY_RUN: '1' });
    try {
      const { handler } = await import(pathToFileURL(file).href);
      assert.equal(resultText(await handler(null, profile, {})), shown);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    // The copy button works (clipboard or its fallback) and says so.
    await browser.click('button[data-copy="snippet-env"]');
    await browser.waitFor(() => document.querySelector('button[data-copy="snippet-env"]').textContent === 'Copied', [], 'Copied');
  });

  it('refuses a secret typed into #env without showing it or saving it in the link', async () => {
    await browser.open(PAGE);
    const before = await browser.waitFor(() => location.hash.length > 1 && location.href, [], 'the saved state');
    await browser.type('#env', '{"PASSNINJA_API_KEY": "sk_live_typed_by_mistake", "PASSNINJA_ACCOUNT_ID": "aid_0x3f2a", "PASSNINJA_TEMPLATE_ID": "ptk_0x1b7e"}');
    assert.match(await browser.text('#error'), /^invalid_config: PASSNINJA_API_KEY is a secret/);
    assert.equal(await isStale(), true);
    const text = await browser.exec(() => document.body.innerText + location.href);
    assert.ok(!text.includes('sk_live_typed_by_mistake'));
    assert.equal(await browser.url(), before);
  });

  it('made no network request, and its CSP allows none', async () => {
    await browser.open(PAGE);
    assert.equal(await browser.exec(() => window.__net), 0, 'fetch/XHR/WebSocket/beacon calls');
    const requests = await pageRequests(browser);
    const own = requests.filter((r) => r.url.startsWith('file://') || r.document.startsWith('file://'));
    assert.ok(own.length > 0, 'the DevTools log saw the page load');
    for (const r of requests) {
      assert.ok(r.url.split('#')[0] === PAGE || r.url.startsWith('data:') || !r.document.startsWith('file://'), `the page requested ${r.url}`);
      assert.ok(!/^(https?|wss?):/.test(r.url), `network request to ${r.url}`);
    }
    const csp = await browser.exec(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]').content);
    assert.equal(csp, playgroundCsp());
    assert.match(csp, /^default-src 'none';/);
    assert.doesNotMatch(csp, /connect-src|https?:|\*/);
    // The CSP is enforced: a fetch from the page is refused.
    const refused = await browser.exec(async () => {
      try {
        await window.fetch('https://example.com/');
        return 'sent';
      } catch (e) {
        return e.name;
      }
    });
    assert.equal(refused, 'TypeError');
  });
});
