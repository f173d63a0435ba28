// Shared helpers for the Cloudflare Worker suites (not a test file itself).
//
// Every Worker runs in Miniflare (real workerd) from js/worker.mjs and pkg/,
// listening on 127.0.0.1 only; the upstream is tests/js/fake-passninja.mjs.
// Each answer goes through `call()`, which checks the rules every answer
// shares (JSON, problem+json shape for errors, no secret, no stack trace)
// and the one log line the Worker prints for it.

import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { statSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Miniflare } from 'miniflare';

export { startFakePassNinja } from '../js/fake-passninja.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The webhook secret every test Worker is configured with (never the one in .dev.vars). */
export const SECRET = 'whsec_pbtest_3c9a1e5b2d4c6e8a0f7b1d2c';
export const AUTH = `Bearer ${SECRET}`;

/** Personal data sent in bodies: it must never reach a log line. */
export const EMAIL = 'ada.lovelace@example.com';
export const PHONE = '+15005550006';

export const MODULES_RULES = [
  { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
  { type: 'CompiledWasm', include: ['**/*.wasm'] },
];

const PKG_FILES = ['pkg/passbridge.js', 'pkg/passbridge_bg.wasm'];

/**
 * Waits (bounded) until pkg/ holds a complete build: another engineer may be
 * rebuilding it concurrently, so the files can be missing or growing for a moment.
 */
export async function waitForPkg(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const sizes = PKG_FILES.map((f) => statSync(new URL(f, `file://${ROOT}`)).size).join(',');
      if (sizes === last && !sizes.split(',').includes('0')) return;
      last = sizes;
    } catch {
      last = '';
    }
    await sleep(300);
  }
  assert.fail(`pkg/ is not built (or keeps changing): ${PKG_FILES.join(', ')} — run make build`);
}

/** A port nobody listens on right now (for "upstream unreachable"). */
export async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let flowCounter = 0;

/** The D1 migrations in migrations/, in order (what `wrangler d1 migrations apply` runs). */
export function migrationStatements() {
  const dir = new URL('migrations/', `file://${ROOT}`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  assert.ok(files.length > 0, 'no migrations in migrations/');
  return files.flatMap((f) =>
    readFileSync(new URL(f, dir), 'utf8')
      .split('\n')
      .map((line) => line.replace(/--.*$/, ''))
      .join('\n')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** Applies the migrations to a D1 database (a fresh local one per test Worker). */
export async function applyMigrations(db) {
  for (const sql of migrationStatements()) await db.prepare(sql).run();
}

/**
 * Starts js/worker.mjs in Miniflare with `bindings`. Returns a handle:
 *   url      http://127.0.0.1:<port>/ where workerd listens
 *   logs     every console.log line of the Worker (strings), in order
 *   sent     number of requests sent through `call` / `raw`
 *   call(path, init)   dispatches and returns a checked answer (see below)
 *   raw(head, chunks)  a hand-written HTTP/1.1 request over a socket
 *   logFor(flowId)     the log line carrying that flow id (waits, bounded)
 *   db       the LEDGER D1 database (migrated), unless `ledger: false`
 *   stop()   disposes Miniflare (idempotent)
 *
 * Every Worker gets a fresh local D1 database bound as LEDGER (the default
 * PASSBRIDGE_LEDGER=auto needs it for the non-idempotent routes); pass
 * `ledger: false` to start one without the binding.
 */
export async function startWorker(bindings, { scriptPath = 'js/worker.mjs', retries = 3, ledger = true } = {}) {
  await waitForPkg();
  const logs = [];
  const claimed = new Set();
  const stderr = [];
  const waiters = new Set();
  let mf;
  for (let attempt = 1; ; attempt++) {
    mf = new Miniflare({
      modules: true,
      scriptPath,
      modulesRoot: ROOT,
      modulesRules: MODULES_RULES,
      compatibilityDate: '2026-04-01',
      host: '127.0.0.1',
      port: 0,
      bindings,
      ...(ledger ? { d1Databases: { LEDGER: `passbridge-ledger-test-${process.pid}-${++flowCounter}` } } : {}),
      // Must return undefined (miniflare validates the return type).
      handleStructuredLogs: ({ level, message }) => {
        if (level === 'log') logs.push(message);
        else if (stderr.length < 100) stderr.push(`${level}: ${message}`);
        for (const w of [...waiters]) w();
      },
    });
    try {
      await mf.ready;
      break;
    } catch (e) {
      await mf.dispose().catch(() => {});
      // pkg/ may have been replaced between waitForPkg and the load.
      if (attempt >= retries) throw e;
      await sleep(1000);
      await waitForPkg();
    }
  }
  const url = await mf.ready;
  let stopped = null;
  let db;
  if (ledger) {
    db = await mf.getD1Database('LEDGER');
    await applyMigrations(db);
  }

  const w = {
    mf,
    db,
    url,
    port: Number(url.port),
    logs,
    stderr,
    sent: 0,
    /**
     * Sends a request (through Miniflare's dispatchFetch). Adds a unique
     * X-Klaviyo-Flow-ID unless `flowId` is given (null: none). Returns
     * { status, headers, text, json, ms, log } after the common checks; `log`
     * is the Worker's log line for this request (parsed), when a flow id was sent.
     */
    async call(path, { method = 'POST', headers = {}, body, flowId, auth = AUTH, json, query = '' } = {}) {
      const h = { ...headers };
      if (auth !== null && auth !== undefined) h.authorization = auth;
      if (json !== undefined) {
        body = typeof json === 'string' ? json : JSON.stringify(json);
        if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
      }
      // Letters and digits only: the shape of a Klaviyo flow id, the only one logged.
      const id = flowId === undefined ? `flow${process.pid}n${++flowCounter}` : flowId;
      if (id !== null) h['x-klaviyo-flow-id'] = id;
      const started = performance.now();
      w.sent++;
      const res = await mf.dispatchFetch(new URL(path + query, url), { method, headers: h, body });
      const text = await res.text();
      const ms = performance.now() - started;
      const answer = { status: res.status, headers: res.headers, text, ms, json: undefined, log: undefined };
      checkAnswer(answer, method, bindings);
      if (id !== null) {
        answer.log = await w.logFor(id, answer.status);
        assert.equal(answer.log.status, answer.status, `log line status for ${path}: ${JSON.stringify(answer.log)}`);
      }
      return answer;
    },
    /** A raw HTTP/1.1 request; resolves to { status, headers, text, json } (or throws when no answer). */
    async raw(head, chunks = [], options = {}) {
      w.sent++;
      const answer = await rawHttp(w.port, head, chunks, options);
      checkAnswer(answer, 'POST', bindings);
      return answer;
    },
    /**
     * The parsed log line with this flow id (waits up to `timeoutMs`). An
     * unauthenticated request's flow id is never logged (issue 11): then the
     * oldest unclaimed line without a flow id and with `status` is its line.
     */
    async logFor(flowId, status, timeoutMs = 5000) {
      const find = () => {
        for (const [i, line] of logs.entries()) {
          const parsed = JSON.parse(line);
          if (parsed.flowId === flowId && !claimed.has(i)) {
            claimed.add(i);
            return parsed;
          }
        }
        for (const [i, line] of logs.entries()) {
          const parsed = JSON.parse(line);
          if (parsed.flowId === null && parsed.status === status && !claimed.has(i)) {
            claimed.add(i);
            return parsed;
          }
        }
        return undefined;
      };
      return waitUntil(find, timeoutMs, () => `no log line with flowId ${flowId}; logs: ${logs.slice(-5).join('\n')}`, waiters);
    },
    /** Waits (bounded) until at least `n` log lines arrived. */
    async waitForLogs(n, timeoutMs = 5000) {
      return waitUntil(() => (logs.length >= n ? true : undefined), timeoutMs, () => `${logs.length} of ${n} log lines`, waiters);
    },
    stop() {
      stopped ??= mf.dispose();
      return stopped;
    },
  };
  return w;
}

async function waitUntil(find, timeoutMs, describe, waiters) {
  const found = find();
  if (found !== undefined) return found;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(describe()));
    }, timeoutMs);
    const check = () => {
      const v = find();
      if (v !== undefined) {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(v);
      }
    };
    waiters.add(check);
  });
}

/** Texts that must never show in an answer body. */
function secretsOf(bindings) {
  return [
    bindings.PASSNINJA_API_KEY,
    bindings.WALLETCREW_API_KEY,
    bindings.JERICOMMERCE_API_KEY,
    bindings.PASSBRIDGE_WEBHOOK_SECRET,
    bindings.PASSBRIDGE_ADMIN_SECRET,
    bindings.KLAVIYO_PRIVATE_KEY,
  ].filter((s) => typeof s === 'string' && s.length >= 3);
}

const STACK_TRACE = /\n\s+at |\bat [^\s]+ \(|\.rs:\d+|wasm-function|RuntimeError|panicked|unreachable executed|\.mjs:\d+/;

/** The rules every answer follows: JSON (problem+json for errors), no secret, no stack trace. */
export function checkAnswer(answer, method, bindings) {
  const { status, headers, text } = answer;
  for (const s of secretsOf(bindings)) {
    assert.ok(!text.includes(s), `a secret shows in the ${status} answer: ${text}`);
    for (const [k, v] of headers) assert.ok(!v.includes(s), `a secret shows in answer header ${k}`);
  }
  assert.doesNotMatch(text, STACK_TRACE, `stack trace in the answer: ${text}`);
  if (method === 'HEAD') {
    assert.equal(text, '');
    return;
  }
  const type = headers.get('content-type') ?? '';
  if (status >= 400) {
    assert.equal(type, 'application/problem+json', `content type of a ${status}: ${type} (${text})`);
  } else {
    assert.equal(type, 'application/json', `content type of a ${status}: ${type}`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`answer ${status} is not JSON: ${text}`);
  }
  answer.json = json;
  if (status >= 400) {
    assert.equal(typeof json.type, 'string', text);
    assert.equal(typeof json.title, 'string', text);
    assert.equal(json.status, status, text);
    assert.equal(typeof json.detail, 'string', text);
    assert.ok(json.detail.length > 0, text);
    assert.equal(typeof json.code, 'string', text);
    assert.equal(json.type, `urn:passbridge:error:${json.code}`, text);
  }
}

/** Asserts a problem answer with this status and code; returns its JSON. */
export function assertProblem(answer, status, code) {
  assert.equal(answer.status, status, `expected ${status} ${code}, got ${answer.status}: ${answer.text}`);
  assert.equal(answer.json.code, code, answer.text);
  return answer.json;
}

/**
 * One HTTP/1.1 request written by hand (chunked bodies, lying Content-Length…).
 * `head` is the request line and headers without the final blank line.
 * Resolves with what the server answered, even when it closed the connection
 * while the body was still being written (it may answer 413 early).
 *
 * `paceAfter` (bytes): once that much body was written, wait (up to 1 s) for an
 * answer after each further piece and stop writing when one came. A server that
 * answers early and closes with unread data in its socket makes the kernel send
 * RST, which can discard the answer before the client reads it (seen under CPU
 * load); a client that stops writing once answered never triggers that.
 */
export function rawHttp(port, head, chunks = [], { timeoutMs = 10_000, paceAfter = Infinity } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received = [];
    const onData = new Set();
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(received).toString('utf8');
      const parsed = parseHttpResponse(data);
      if (parsed) resolve(parsed);
      else reject(new Error(`no HTTP answer (got ${JSON.stringify(data.slice(0, 200))})`));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (d) => {
      received.push(d);
      for (const f of [...onData]) f();
      // Done once the whole body (by Content-Length) is in.
      const parsed = parseHttpResponse(Buffer.concat(received).toString('utf8'));
      if (parsed?.complete) finish();
    });
    socket.on('error', () => finish());
    socket.on('close', () => finish());
    const answered = (ms) =>
      new Promise((r) => {
        if (received.length) return r();
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          onData.delete(done);
          r();
        }
        onData.add(done);
      });
    socket.on('connect', async () => {
      try {
        socket.write(`${head}\r\nConnection: close\r\n\r\n`);
        let written = 0;
        for (const c of chunks) {
          if (socket.destroyed || settled || received.length) break;
          if (!socket.write(c)) await new Promise((r) => socket.once('drain', r).once('close', r));
          written += c.length;
          if (written > paceAfter) await answered(1000);
        }
      } catch {
        /* the server may close early */
      }
    });
  });
}

function parseHttpResponse(data) {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) return null;
  const headers = new Headers();
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers.append(l.slice(0, i).trim(), l.slice(i + 1).trim());
  }
  const text = data.slice(end + 4);
  const length = Number(headers.get('content-length'));
  const complete = Number.isFinite(length) && Buffer.byteLength(text) >= length;
  return { status: Number(m[1]), headers, text, json: undefined, complete };
}

/**
 * A fake-passninja script step that also closes its connection. The fake's
 * keepAliveTimeout of 1 ms does not guarantee a fresh connection per attempt:
 * workerd may reuse a pooled connection the fake is closing, and that attempt
 * then fails as "Network connection lost" (seen under CPU load). Steps whose
 * answer is followed by a retry use this, so retry counts stay deterministic.
 */
export function closing(step) {
  const close = { Connection: 'close' };
  if (typeof step === 'number') return { status: step, headers: close };
  if (step === 'echo-key') return { status: 400, body: { error: 'Invalid request for API key {key}' }, echoKey: true, headers: close };
  if (step !== null && typeof step === 'object') return { ...step, headers: { ...(step.headers ?? {}), ...close } };
  return step;
}

/** A flat Klaviyo webhook body. */
export function flatBody(person = {}, event) {
  const body = {
    person: {
      email: EMAIL,
      phone_number: PHONE,
      first_name: 'Ada',
      ...person,
    },
  };
  if (event !== undefined) body.event = event;
  return body;
}

/** Klaviyo's JSON:API profile. */
export function jsonApiProfile(attributes = {}) {
  return {
    data: {
      type: 'profile',
      id: '01HPROFILEXYZ',
      attributes: { email: EMAIL, phone_number: PHONE, first_name: 'Ada', ...attributes },
    },
  };
}

/** PassNinja's path for a serial: each part percent-encoded as one segment. */
export function passPath(templateId, serial) {
  const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `/v1/passes/${enc(templateId)}/${enc(serial)}`;
}

/** Checks every log line collected: JSON with the documented keys, nothing personal or secret. */
export function assertCleanLogs(logs, secrets) {
  assert.ok(logs.length > 0, 'no log lines at all');
  for (const line of logs) {
    let v;
    try {
      v = JSON.parse(line);
    } catch {
      assert.fail(`log line is not JSON: ${line}`);
    }
    assert.deepEqual(
      Object.keys(v).sort(),
      ['code', 'delivery', 'durationMs', 'flowId', 'keySource', 'ledger', 'outcome', 'replayed', 'route', 'status', 'upstreamStatus'],
      line,
    );
    // Where the delivery key came from; null before a key was chosen (issue 16).
    assert.ok([null, 'header', 'template', 'body'].includes(v.keySource), line);
    assert.ok(v.delivery === null || /^[0-9a-f]{32}$/.test(v.delivery), line);
    assert.equal(typeof v.replayed, 'boolean', line);
    assert.equal(typeof v.status, 'number', line);
    assert.equal(typeof v.durationMs, 'number', line);
    assert.ok(v.durationMs >= 0, line);
    for (const s of [...secrets, EMAIL, 'example.com', '5005550006', 'lovelace']) {
      assert.ok(!line.toLowerCase().includes(s.toLowerCase()), `log line leaks ${s}: ${line}`);
    }
  }
}

/**
 * One request over node:http (keep-alive through `agent`), bounded by `timeoutMs`.
 * Resolves to { status, headers, text, ms }.
 */
export function httpRequest(agent, port, { method = 'POST', path = '/', headers = {}, body } = {}, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to ${method} ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `count` jobs with at most `concurrency` in flight; `job(i)` returns a promise. */
export async function pool(count, concurrency, job) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
