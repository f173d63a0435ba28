// Issue 20, items 13–16, in real headless Chromium: the playground never
// holds a secret (#env, #options, the URL fragment, history's current entry)
// and a shared link cannot plant a host in the snippets unseen.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBrowser, ROOT } from './webdriver.mjs';

const PAGE = pathToFileURL(path.join(ROOT, 'dist/playground.html')).href;
const SECRET = 'sk_live_typed_by_mistake';
const IDS = { PASSNINJA_ACCOUNT_ID: 'aid_0x3f2a', PASSNINJA_TEMPLATE_ID: 'ptk_0x1b7e' };

let browser;
const everywhere = () =>
  browser.exec(() => document.body.innerText + '\n' + location.href + '\n' + decodeURIComponent(location.href));
const savedHas = (text) =>
  browser.waitFor((t) => new URLSearchParams(location.hash.slice(1)).get('env')?.includes(t), [text], `the fragment to save ${text}`);
/** A link to the page with these texts (the rest as the page starts). */
const link = (texts) => `${PAGE}#${new URLSearchParams({ provider: 'passninja', operation: 'update', ...texts })}`;

describe('the playground never holds a secret or plants a host', () => {
  before(async () => {
    browser = await startBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('refuses every registry secret typed into #env, in any case, with spaces, or as an array', async () => {
    await browser.open(PAGE);
    const before = await browser.waitFor(() => location.hash.length > 1 && location.href, [], 'the saved state');
    const cases = [
      ['PASSBRIDGE_ADMIN_SECRET', 'PASSBRIDGE_ADMIN_SECRET', SECRET],
      ['passninja_api_key', 'PASSNINJA_API_KEY', SECRET],
      ['PASSNINJA_API_KEY ', 'PASSNINJA_API_KEY', SECRET],
      ['PASSNINJA_API_KEY', 'PASSNINJA_API_KEY', [SECRET]],
      [' Klaviyo_Private_Key', 'KLAVIYO_PRIVATE_KEY', { value: SECRET }],
      ['PASSBRIDGE_WEBHOOK_SECRET', 'PASSBRIDGE_WEBHOOK_SECRET', SECRET],
    ];
    for (const [typed, name, value] of cases) {
      await browser.type('#env', JSON.stringify({ ...IDS, [typed]: value }));
      const error = await browser.text('#error');
      assert.ok(error.startsWith(`invalid_config: ${name} is a secret: leave it out of #env.`), `${typed}: ${error}`);
      assert.ok(!(await everywhere()).includes(SECRET), typed);
      assert.equal(await browser.url(), before, typed);
      assert.equal(await browser.text('#verdict'), 'input error');
    }
  });

  it('refuses {"env": {...secret...}} in #options as in #env, and does not save it', async () => {
    await browser.open(PAGE);
    const before = await browser.waitFor(() => location.hash.length > 1 && location.href, [], 'the saved state');
    for (const env of [{ PASSNINJA_API_KEY: SECRET }, { ' passninja_api_key': [SECRET] }]) {
      await browser.type('#options', JSON.stringify({ fields: {}, env }));
      const error = await browser.text('#error');
      assert.match(error, /^invalid_config: PASSNINJA_API_KEY is a secret: leave it out of #options\./);
      assert.ok(!(await everywhere()).includes(SECRET));
      assert.equal(await browser.url(), before);
    }
  });

  it('removes from the fragment and history\'s current entry a value saved under a misspelt name once the corrected name is refused', async () => {
    await browser.open(PAGE);
    const entries = await browser.exec(() => history.length);
    await browser.type('#env', JSON.stringify({ ...IDS, PASSNINJA_API_KEX: SECRET }));
    await savedHas(SECRET);
    await browser.type('#env', JSON.stringify({ ...IDS, PASSNINJA_API_KEY: SECRET }));
    assert.match(await browser.text('#error'), /^invalid_config: PASSNINJA_API_KEY is a secret/);
    const href = await browser.waitFor(
      (s) => !decodeURIComponent(location.href).includes(s) && location.href,
      [SECRET],
      'the secret to leave the fragment',
    );
    // The rest of the state stays; the same history entry was rewritten.
    const params = new URLSearchParams(new URL(href).hash.slice(1));
    assert.equal(params.get('provider'), 'passninja');
    assert.ok(params.get('profile').includes('external_id'));
    assert.equal(params.has('env'), false);
    assert.equal(await browser.exec(() => history.length), entries);
    assert.equal(await browser.exec(() => JSON.stringify(history.state)), 'null');
    // A shared link holding a secret loses it on opening.
    await browser.go('about:blank');
    await browser.open(link({ env: JSON.stringify({ ...IDS, passninja_api_key: SECRET }) }));
    assert.match(await browser.text('#error'), /^invalid_config: PASSNINJA_API_KEY is a secret/);
    assert.ok(!(await everywhere()).includes(SECRET));
  });

  it('shows a planted base-URL override prominently and in the request preview, and copies nothing until it is acknowledged', async () => {
    await browser.open(link({ env: JSON.stringify({ ...IDS, PASSNINJA_BASE_URL: 'https://evil.example' }) }));
    const warning = 'PASSNINJA_BASE_URL is set: requests go to https://evil.example, not https://api.passninja.com, and the snippets below carry it. Remove it from #env unless that is your own test server.';
    assert.equal(await browser.text('#override-text'), warning);
    assert.equal(await browser.exec(() => document.querySelector('#override').hidden), false);
    assert.equal(await browser.exec(() => getComputedStyle(document.querySelector('#override')).display), 'block');
    const request = await browser.text('#request');
    assert.ok(
      request.startsWith('# PASSNINJA_BASE_URL overrides the host: https://evil.example (not https://api.passninja.com)\nPATCH https://evil.example/v1/passes/'),
      request,
    );
    assert.match(await browser.text('#snippet-env'), /^PASSNINJA_BASE_URL=https:\/\/evil\.example$/m);
    // Copying is off until the box is ticked (the link cannot tick it).
    const disabled = () => browser.exec(() => [...document.querySelectorAll('button[data-copy]')].map((b) => b.disabled));
    assert.deepEqual(await disabled(), [true, true, true, true]);
    await browser.click('#override-ok');
    assert.deepEqual(await disabled(), [false, false, false, false]);
    await browser.click('button[data-copy="snippet-env"]');
    await browser.waitFor(() => document.querySelector('button[data-copy="snippet-env"]').textContent === 'Copied', [], 'Copied');
    // Another host unticks it; removing the override hides the warning.
    await browser.type('#env', JSON.stringify({ ...IDS, PASSNINJA_BASE_URL: 'https://other.example' }));
    assert.deepEqual(await disabled(), [true, true, true, true]);
    await browser.type('#env', JSON.stringify(IDS));
    assert.equal(await browser.exec(() => document.querySelector('#override').hidden), true);
    assert.deepEqual(await disabled(), [false, false, false, false]);
    assert.ok((await browser.text('#request')).startsWith('PATCH https://api.passninja.com/'));
    // Klaviyo's override too.
    await browser.type('#env', JSON.stringify({ ...IDS, KLAVIYO_BASE_URL: 'https://evil.example' }));
    assert.match(await browser.text('#override-text'), /^KLAVIYO_BASE_URL is set: requests go to https:\/\/evil\.example, not https:\/\/a\.klaviyo\.com/);
  });

  it('keeps one value on one line: a line break in a value cannot add a PASSNINJA_BASE_URL line to any snippet', async () => {
    const planted = 'PASSNINJA_BASE_URL=https://evil.example';
    for (const brk of ['\n', '\r', '\r\n', '\u2028', '\u2029', '\u0085']) {
      // A name holding `=` cannot read as another variable either.
      const env = { ...IDS, PASSNINJA_ACCOUNT_ID: `aid_0x3f2a${brk}${planted}`, [`${planted}/x`]: 'y' };
      await browser.go('about:blank');
      await browser.open(link({ env: JSON.stringify(env) }));
      const snippets = await browser.exec(() => ['snippet-env', 'snippet-webhook', 'snippet-code'].map((id) => document.getElementById(id).textContent));
      for (const text of snippets) {
        for (const line of text.split(/\r\n|[\n\r\u0085\u2028\u2029]/)) {
          assert.ok(!line.trimStart().startsWith('PASSNINJA_BASE_URL'), `${JSON.stringify(brk)} planted a line:\n${text}`);
        }
        assert.doesNotMatch(text, /[\r\u0085\u2028\u2029]/);
      }
      // The value itself, escaped as a JSON string on its one line.
      const line = snippets[0].split('\n').find((l) => l.startsWith('PASSNINJA_ACCOUNT_ID='));
      assert.equal(JSON.parse(line.slice('PASSNINJA_ACCOUNT_ID='.length)), env.PASSNINJA_ACCOUNT_ID);
      assert.equal(await browser.exec(() => document.querySelector('#override').hidden), true);
    }
  });
});
