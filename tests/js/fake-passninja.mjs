// A fake PassNinja API on 127.0.0.1, for tests of every passbridge door
// (the Klaviyo Code action, the Cloudflare Worker, …). Node built-ins only.
//
// It follows the contract in docs/providers.md (PassNinja section):
//
//   auth      X-API-KEY and X-ACCOUNT-ID must equal the configured ones,
//             else 401 {"msg":"Invalid API key"}
//   PATCH     /v1/passes/{template}/{serial}   merge body {"pass":{…}} (values must be strings)
//   PUT       /v1/passes/{template}/{serial}   replace (clears omitted fields)
//   DELETE    /v1/passes/{template}/{serial}   200 {"serialNumber": …}
//   POST      /v1/passes                       body {"passType"|"passTemplate", "pass"}
//                                              200 {passTemplate, passType, serialNumber, pass, urls}
//   GET       /v1/passtypes/keys/{template}    200 {"passTemplate", "keys": […]}
//   errors    {"error": "…"} on most routes, {"msg": "…"} on auth failures;
//             400 bad body, 401 bad credentials, 404 unknown pass/template/route,
//             405 wrong method on a known route.
//
// Usage:
//
//   import { startFakePassNinja } from './fake-passninja.mjs';
//   const fake = await startFakePassNinja();          // random port
//   const env = fake.env();                            // PASSNINJA_* for passbridge, base URL = fake
//   fake.script({ status: 429, retryAfter: 1 }, 'ok');  // next answers: 429 + Retry-After: 1, then normal
//   … run the code under test …
//   fake.requests   // every request received, in arrival order (see "Recorded requests")
//   fake.reset();   // forget requests, script and stored passes (e.g. in beforeEach)
//   await fake.stop();   // closes every socket, including hung ones; idempotent
//
// Script steps (consumed one per incoming request, in arrival order; when the
// queue is empty requests are answered by the normal routes above):
//
//   'ok' | 'route'      answer normally (routes, auth checks, validation)
//   <number>            that status with PassNinja's usual body for it, e.g.
//                       400 {"error":"Bad request"}, 401 {"msg":"Invalid API key"},
//                       404 {"error":"Pass not found"}, 429 {"error":"Too many requests"},
//                       5xx {"error":"Internal server error"}, 2xx {}
//   'hang'              read the request, never answer (socket closed by stop())
//   'reset'             read the request, then destroy the socket (a transport error)
//   'echo-key'          400 {"error":"Invalid request for API key <the X-API-KEY received>"}
//   { status, body, headers, retryAfter, delayMs, echoKey }
//                       status defaults to 200; body is a string (sent as is, content
//                       type text/plain unless headers say otherwise) or any other
//                       value (sent as JSON); retryAfter sets the Retry-After header;
//                       delayMs answers after that many ms; echoKey: true replaces
//                       every "{key}" in the body text by the X-API-KEY received.
//   (request, fake) => step   decide per request (return any step above)
//
// Recorded requests (fake.requests[i]):
//   { method, url,          // url exactly as received: path + query, still percent-encoded
//     path, query,          // url split at the first '?'
//     segments,             // path split on '/', each percent-decoded (null if undecodable)
//     headers,              // node's lowercased header object
//     rawHeaders,           // [name, value, …] as sent
//     body,                 // raw body text ('' when none)
//     json,                 // parsed body, or undefined
//     receivedAt,           // Date.now() when the body was complete
//     answer }              // what the fake did: { status } | 'hang' | 'reset' (set when decided)
//
// Options of startFakePassNinja(options):
//   apiKey, accountId       credentials to accept (defaults: the DEFAULT_* constants below)
//   templateId              the template used by env() (default DEFAULT_TEMPLATE_ID)
//   templates               { [templateId]: { keys: [...] } } — when given, other templates are 404
//   knownSerialsOnly        when true, PATCH/PUT/DELETE of a serial not in fake.passes is 404
//                           (default false: every serial exists, as a PATCH-only test expects)
//   passes                  initial passes: [{ template, serial, pass: {…} }]

import http from 'node:http';
import { closeServer, recordRequest, waitForRequests } from './fake-common.mjs';
import { randomBytes } from 'node:crypto';

export const DEFAULT_API_KEY = 'sk_test_PbFake_9d2f71c04e8b4a6fa3c5e7d1b20f6a94';
export const DEFAULT_ACCOUNT_ID = 'aid_0x1a2b3c';
export const DEFAULT_TEMPLATE_ID = 'ptk_0x4d5e6f';
export const DEFAULT_TEMPLATE_KEYS = ['points-balance', 'loyalty-tier'];

/** Headers a fetch implementation (undici) adds by itself: not part of what the client chose. */
export const TRANSPORT_HEADERS = new Set([
  'host', 'connection', 'content-length', 'transfer-encoding', 'user-agent', 'accept',
  'accept-language', 'accept-encoding', 'sec-fetch-mode', 'keep-alive',
]);

const USUAL_BODY = {
  400: { error: 'Bad request' },
  401: { msg: 'Invalid API key' },
  403: { msg: 'Forbidden' },
  404: { error: 'Pass not found' },
  405: { error: 'Method not allowed' },
  409: { error: 'Conflict' },
  422: { error: 'Unprocessable entity' },
  429: { error: 'Too many requests' },
};

function usualBody(status) {
  if (USUAL_BODY[status]) return USUAL_BODY[status];
  if (status >= 500) return { error: 'Internal server error' };
  if (status >= 200 && status < 300) return {};
  return { error: `HTTP ${status}` };
}


/**
 * Starts the fake on 127.0.0.1 with a random port.
 * @returns {Promise<{url: string, port: number, requests: object[], passes: Map<string, object>,
 *   apiKey: string, accountId: string, templateId: string,
 *   script: (...steps) => object, pending: () => number, reset: () => void,
 *   env: (extra?: object) => object, waitForRequests: (n: number, timeoutMs?: number) => Promise<void>,
 *   stop: () => Promise<void>}>}
 */
export async function startFakePassNinja(options = {}) {
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const templateId = options.templateId ?? DEFAULT_TEMPLATE_ID;
  const templates = options.templates ?? null;
  const knownSerialsOnly = options.knownSerialsOnly ?? false;

  const requests = [];
  const queue = [];
  /** Stored passes: key `${template}/${serial}` → { template, serial, pass }. */
  const passes = new Map();
  const sockets = new Set();
  const timers = new Set();
  const waiters = new Set();

  const seed = () => {
    for (const p of options.passes ?? []) {
      passes.set(`${p.template}/${p.serial}`, { template: p.template, serial: p.serial, pass: { ...p.pass } });
    }
  };
  seed();

  const send = (res, status, body, headers = {}) => {
    const isText = typeof body === 'string';
    const text = isText ? body : JSON.stringify(body ?? {});
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    res.writeHead(status, {
      ...(hasType ? {} : { 'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json' }),
      // Every answer closes its connection: a client never reuses a socket the
      // fake is closing (a race that turned a scripted 503 into "network").
      Connection: 'close',
      ...headers,
    });
    res.end(text);
  };

  const templateKnown = (t) =>
    /^ptk_0x[0-9a-f]+$/i.test(t) && (templates === null || Object.hasOwn(templates, t));

  const urlsFor = (serial) => ({
    landing: `https://passninja.com/p/${encodeURIComponent(serial)}`,
    apple: `https://apple.fake/passes/${encodeURIComponent(serial)}?sig=expiring`,
    google: `https://google.fake/save/${encodeURIComponent(serial)}?sig=expiring`,
  });

  /** Checks a `{"pass": {…}}` body; returns an error message or null. */
  const checkPassBody = (rec) => {
    const type = String(rec.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) return 'Content-Type must be application/json';
    if (rec.json === undefined) return 'Body must be valid JSON';
    const pass = rec.json?.pass;
    if (pass === null || typeof pass !== 'object' || Array.isArray(pass)) return "Body must have a 'pass' object";
    for (const [k, v] of Object.entries(pass)) {
      if (typeof v !== 'string') return `Field '${k}' must be a string`;
    }
    return null;
  };

  /** The normal PassNinja behaviour. */
  const route = (rec, res) => {
    if (rec.headers['x-api-key'] !== apiKey || rec.headers['x-account-id'] !== accountId) {
      return send(res, 401, { msg: 'Invalid API key' });
    }
    const s = rec.segments;
    if (s.includes(null)) return send(res, 400, { error: 'Malformed path' });
    // ['', 'v1', 'passes', template, serial]
    if (s.length === 5 && s[0] === '' && s[1] === 'v1' && s[2] === 'passes' && s[3] !== '' && s[4] !== '') {
      const [, , , template, serial] = s;
      if (!['PATCH', 'PUT', 'DELETE'].includes(rec.method)) return send(res, 405, { error: 'Method not allowed' });
      if (!templateKnown(template)) return send(res, 404, { error: 'Pass template not found' });
      const key = `${template}/${serial}`;
      const existing = passes.get(key);
      if (!existing && knownSerialsOnly) return send(res, 404, { error: 'Pass not found' });
      if (rec.method === 'DELETE') {
        passes.delete(key);
        return send(res, 200, { serialNumber: serial });
      }
      const problem = checkPassBody(rec);
      if (problem) return send(res, 400, { error: problem });
      const pass = rec.method === 'PATCH' ? { ...(existing?.pass ?? {}), ...rec.json.pass } : { ...rec.json.pass };
      passes.set(key, { template, serial, pass });
      return send(res, 200, { passTemplate: template, serialNumber: serial, pass, urls: urlsFor(serial) });
    }
    if (s.length === 3 && s[0] === '' && s[1] === 'v1' && s[2] === 'passes') {
      if (rec.method !== 'POST') return send(res, 405, { error: 'Method not allowed' });
      const problem = checkPassBody(rec);
      if (problem) return send(res, 400, { error: problem });
      const template = rec.json.passTemplate ?? rec.json.passType;
      if (typeof template !== 'string' || !templateKnown(template)) {
        return send(res, 404, { error: 'Pass template not found' });
      }
      const serial = randomBytes(9).toString('hex'); // 18 hex characters
      const pass = { ...rec.json.pass };
      passes.set(`${template}/${serial}`, { template, serial, pass });
      return send(res, 200, { passTemplate: template, passType: template, serialNumber: serial, pass, urls: urlsFor(serial) });
    }
    if (s.length === 5 && s[0] === '' && s[1] === 'v1' && s[2] === 'passtypes' && s[3] === 'keys' && s[4] !== '') {
      if (rec.method !== 'GET') return send(res, 405, { error: 'Method not allowed' });
      const template = s[4];
      if (!templateKnown(template)) return send(res, 404, { error: 'Pass template not found' });
      const keys = templates?.[template]?.keys ?? DEFAULT_TEMPLATE_KEYS;
      return send(res, 200, { passTemplate: template, keys: [...keys] });
    }
    return send(res, 404, { error: 'Not found' });
  };

  /** Plays one script step (or routes normally). */
  const play = (step, rec, req, res) => {
    if (typeof step === 'function') step = step(rec, fake);
    if (step === undefined || step === 'ok' || step === 'route') {
      rec.answer = 'route';
      return route(rec, res);
    }
    if (step === 'hang') {
      rec.answer = 'hang';
      return; // never answered; stop() destroys the socket
    }
    if (step === 'reset') {
      rec.answer = 'reset';
      req.socket.destroy();
      return;
    }
    if (step === 'echo-key') {
      step = { status: 400, body: { error: 'Invalid request for API key {key}' }, echoKey: true };
    }
    if (typeof step === 'number') step = { status: step };
    if (step === null || typeof step !== 'object') throw new TypeError(`fake-passninja: bad script step ${String(step)}`);
    const status = step.status ?? 200;
    let body = Object.hasOwn(step, 'body') ? step.body : usualBody(status);
    const headers = { ...(step.headers ?? {}) };
    if (step.retryAfter !== undefined) headers['Retry-After'] = String(step.retryAfter);
    if (step.echoKey) {
      const received = String(rec.headers['x-api-key'] ?? '');
      const isText = typeof body === 'string';
      const text = (isText ? body : JSON.stringify(body)).split('{key}').join(isText ? received : JSON.stringify(received).slice(1, -1));
      body = isText ? text : JSON.parse(text);
    }
    rec.answer = { status };
    if (step.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send(res, status, body, headers);
      }, step.delayMs);
      timers.add(t);
      return;
    }
    return send(res, status, body, headers);
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rec = recordRequest(req, Buffer.concat(chunks).toString('utf8'));
      requests.push(rec);
      for (const w of [...waiters]) w();
      try {
        play(queue.length > 0 ? queue.shift() : undefined, rec, req, res);
      } catch (e) {
        if (!res.headersSent) send(res, 500, { error: `fake-passninja script error: ${e.message}` });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // No keep-alive between attempts: each retry is a fresh connection, like a cold fetch.
  server.keepAliveTimeout = 1;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  let stopped = null;

  const fake = {
    url,
    port,
    requests,
    passes,
    apiKey,
    accountId,
    templateId,
    /** Queues answers for the next requests (see the header comment). Chainable. */
    script(...steps) {
      queue.push(...steps);
      return fake;
    },
    /** Script steps not yet used. */
    pending() {
      return queue.length;
    },
    /** Forgets requests, script and stored passes (initial passes are restored). */
    reset() {
      requests.length = 0;
      queue.length = 0;
      passes.clear();
      seed();
      return fake;
    },
    /** The PASSNINJA_* variables that point passbridge at this fake, plus `extra`. */
    env(extra = {}) {
      return {
        PASSNINJA_API_KEY: apiKey,
        PASSNINJA_ACCOUNT_ID: accountId,
        PASSNINJA_TEMPLATE_ID: templateId,
        PASSNINJA_BASE_URL: url,
        ...extra,
      };
    },
    /** Resolves once at least `n` requests were received (rejects after timeoutMs). */
    waitForRequests(n, timeoutMs = 5000) {
      return waitForRequests('fake-passninja', requests, waiters, n, timeoutMs);
    },
    /** Closes the server and every socket (hung requests included). Idempotent. */
    stop() {
      stopped ??= closeServer(server, sockets, timers);
      return stopped;
    },
  };
  return fake;
}
