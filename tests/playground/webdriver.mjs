// A minimal W3C WebDriver client for the system chromedriver (no npm
// dependency): starts chromedriver on a free 127.0.0.1 port, opens headless
// Chromium with the flags of webdriver.json and a fresh profile under .tmp/,
// and speaks WebDriver's HTTP+JSON. Every wait is bounded.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ELEMENT = 'element-6066-11e4-a52f-4a5cb3e5a5d4';

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts chromedriver and one headless Chromium session; `close()` ends both. */
export async function startBrowser({ width = 1400, height = 1400 } = {}) {
  const tmp = path.join(ROOT, '.tmp', 'playground');
  mkdirSync(tmp, { recursive: true });
  const home = mkdtempSync(path.join(tmp, 'home-'));
  const port = await freePort();
  const driver = spawn('/usr/bin/chromedriver', [`--port=${port}`, '--allowed-ips=127.0.0.1', '--log-level=SEVERE'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), TMPDIR: tmp },
  });
  let driverError = '';
  driver.stderr.on('data', (d) => (driverError += d));
  const base = `http://127.0.0.1:${port}`;

  async function call(method, url, body) {
    const res = await fetch(base + url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const json = await res.json();
    if (json.value?.error) throw new Error(`WebDriver ${method} ${url}: ${json.value.error}: ${json.value.message}`);
    return json.value;
  }

  for (let i = 0; ; i++) {
    try {
      await call('GET', '/status');
      break;
    } catch (e) {
      if (i >= 100) throw new Error(`chromedriver did not start: ${e.message} ${driverError}`);
      await sleep(100);
    }
  }
  const options = JSON.parse(readFileSync(path.join(ROOT, 'webdriver.json'), 'utf8'))['goog:chromeOptions'];
  const session = await call('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'chrome',
        'goog:chromeOptions': {
          binary: options.binary,
          args: [...options.args, `--user-data-dir=${path.join(home, 'profile')}`, `--window-size=${width},${height}`],
        },
        'goog:loggingPrefs': { performance: 'ALL', browser: 'ALL' },
      },
    },
  });
  const id = session.sessionId;
  const s = (url) => `/session/${id}${url}`;

  const browser = {
    /** Loads a URL and waits until the page says it is ready (bounded). */
    async open(url) {
      await call('POST', s('/url'), { url });
      await browser.waitFor(() => document.documentElement.dataset.ready === 'true', [], 'page ready');
    },
    /** Navigates without waiting for the playground to be ready. */
    async go(url) {
      await call('POST', s('/url'), { url });
    },
    /** Runs `fn` (a function or its source) in the page with `args`; returns its JSON value. */
    exec(fn, args = []) {
      return call('POST', s('/execute/sync'), { script: `return (${fn}).apply(null, arguments)`, args });
    },
    /** Polls `fn` in the page until it returns a truthy value (at most `ms`). */
    async waitFor(fn, args = [], what = 'condition', ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await browser.exec(fn, args).catch(() => undefined);
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(25);
      }
    },
    async find(css) {
      const v = await call('POST', s('/element'), { using: 'css selector', value: css });
      return v[ELEMENT] ?? Object.values(v)[0];
    },
    async click(css) {
      await call('POST', s(`/element/${await browser.find(css)}/click`), {});
    },
    /** Replaces a textarea's text by typing it (real key events). */
    async type(css, text) {
      const el = await browser.find(css);
      await call('POST', s(`/element/${el}/clear`), {});
      await call('POST', s(`/element/${el}/value`), { text });
    },
    /** Presses keys on whatever has the focus (WebDriver actions; e.g. '\uE007' Enter, '\uE004' Tab). */
    async keys(text) {
      const actions = [...text].flatMap((value) => [{ type: 'keyDown', value }, { type: 'keyUp', value }]);
      await call('POST', s('/actions'), { actions: [{ type: 'key', id: 'keyboard', actions }] });
    },
    /** Picks an <option> of a <select> by clicking it, as a user does. */
    async select(css, value) {
      await browser.click(`${css} option[value="${value}"]`);
    },
    text(css) {
      return browser.exec((c) => document.querySelector(c).textContent, [css]);
    },
    value(css) {
      return browser.exec((c) => document.querySelector(c).value, [css]);
    },
    url() {
      return call('GET', s('/url'));
    },
    async screenshotPng() {
      return Buffer.from(await call('GET', s('/screenshot')), 'base64');
    },
    /** Chrome's DevTools protocol, through chromedriver. */
    cdp(cmd, params = {}) {
      return call('POST', s('/goog/cdp/execute'), { cmd, params });
    },
    /** Entries of a log (`performance`: DevTools events) since the last read. */
    async log(type) {
      return call('POST', s('/se/log'), { type });
    },
    async close() {
      await call('DELETE', s('')).catch(() => {});
      driver.kill();
      await new Promise((resolve) => (driver.exitCode !== null ? resolve() : driver.once('exit', resolve)));
    },
  };
  return browser;
}
