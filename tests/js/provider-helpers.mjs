// Shared pieces for the Wallet Crew and JeriCommerce fakes and the provider
// suites (not a test file itself). Node built-ins only.
//
// startFakeProvider() is the engine both fakes use: an HTTP server on
// 127.0.0.1 that records every request exactly like fake-passninja.mjs does,
// plays scripted answers, and otherwise answers with the provider's normal
// behaviour (a `route(rec)` function returning `{ status, body, headers }`).
//
// Script steps (one per incoming request, in arrival order; an empty queue
// means "answer normally"):
//
//   'ok' | 'route'      answer normally
//   <number>            that status with the provider's usual body for it
//   'hang'              read the request, never answer (socket closed by stop())
//   'reset'             read the request, then destroy the socket (transport error)
//   'echo-key'          400 whose body contains the API key received
//   { status, body, headers, retryAfter, delayMs, echoKey, apply }
//                       status defaults to 200; body a string (sent as is, text/plain
//                       unless headers say otherwise) or any other value (sent as JSON,
//                       or application/problem+json when the provider says so);
//                       retryAfter sets Retry-After; delayMs delays the answer;
//                       echoKey replaces every "{key}" in the body by the key received;
//                       apply: true first runs the normal route (its state change
//                       happens, e.g. points are credited) and then sends this answer
//   (request, fake) => step   decide per request
//   { until, ...step }  a held request: once the promise `until` settles, plays
//                       `step` (no other key: answers normally)
//
// Recorded requests: { method, url, path, query, segments, headers, rawHeaders,
// body, json, receivedAt, answer } — the same shape as fake-passninja.mjs.

import http from 'node:http';
import { closeServer, recordRequest, waitForRequests } from './fake-common.mjs';


/**
 * @param {object} spec
 * @param {string} spec.name                 for messages ('fake-walletcrew')
 * @param {string} spec.keyHeader            lowercased API key header name
 * @param {(status: number, rec: object) => any} spec.usualBody   body for a bare status step
 * @param {(status: number) => object} [spec.usualHeaders]        headers for a bare status step
 * @param {(body: object) => string} [spec.jsonContentType]       content type of a JSON body (default application/json)
 * @param {(rec: object, fake: object) => {status:number, body?:any, headers?:object}} spec.route
 * @param {(fake: object) => void} [spec.onReset]   restore provider state on reset()
 * @param {(fake: object) => object} [spec.extend]  provider-specific members
 */
export async function startFakeProvider(spec) {
  const requests = [];
  const queue = [];
  const sockets = new Set();
  const timers = new Set();
  const waiters = new Set();
  let fake;

  const send = (res, answer) => {
    const status = answer.status;
    const body = answer.body;
    const headers = { ...(answer.headers ?? {}) };
    const isText = typeof body === 'string' || body === undefined;
    const text = body === undefined ? '' : isText ? body : JSON.stringify(body);
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    if (!hasType && text !== '') {
      headers['Content-Type'] = isText ? 'text/plain; charset=utf-8' : spec.jsonContentType?.(body) ?? 'application/json';
    }
    // Every answer closes its connection (no reuse of a socket being closed).
    res.writeHead(status, { Connection: 'close', ...headers });
    res.end(text);
  };

  const play = (step, rec, req, res) => {
    if (typeof step === 'function') step = step(rec, fake);
    if (step !== null && typeof step === 'object' && step.until) {
      const { until, ...rest } = step;
      const go = () => {
        try {
          if (!res.destroyed) play(Object.keys(rest).length > 0 ? rest : undefined, rec, req, res);
        } catch (e) {
          if (!res.headersSent) send(res, { status: 500, body: `${spec.name} script error: ${e.message}` });
        }
      };
      until.then(go, go);
      return;
    }
    if (step === undefined || step === 'ok' || step === 'route') {
      const answer = spec.route(rec, fake);
      rec.answer = { status: answer.status };
      return send(res, answer);
    }
    if (step === 'hang') {
      rec.answer = 'hang';
      return;
    }
    if (step === 'reset') {
      rec.answer = 'reset';
      req.socket.destroy();
      return;
    }
    if (step === 'echo-key') step = { status: 400, echoKey: true, body: spec.usualBody(400, rec, '{key}'), usual: true };
    if (typeof step === 'number') step = { status: step };
    if (step === null || typeof step !== 'object') throw new TypeError(`${spec.name}: bad script step ${String(step)}`);
    if (step.apply) spec.route(rec, fake);
    const status = step.status ?? 200;
    let body = Object.hasOwn(step, 'body') ? step.body : spec.usualBody(status, rec);
    const usual = !Object.hasOwn(step, 'body') || step.usual;
    const headers = { ...(usual ? spec.usualHeaders?.(status) ?? {} : {}), ...(step.headers ?? {}) };
    if (step.retryAfter !== undefined) headers['Retry-After'] = String(step.retryAfter);
    if (step.echoKey) {
      const received = String(rec.headers[spec.keyHeader] ?? '');
      const isText = typeof body === 'string';
      const text = (isText ? body : JSON.stringify(body)).split('{key}').join(isText ? received : JSON.stringify(received).slice(1, -1));
      body = isText ? text : JSON.parse(text);
    }
    rec.answer = { status };
    const answer = { status, body, headers };
    if (step.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send(res, answer);
      }, step.delayMs);
      timers.add(t);
      return;
    }
    return send(res, answer);
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
        if (!res.headersSent) send(res, { status: 500, body: `${spec.name} script error: ${e.message}` });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 1;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  let stopped = null;

  fake = {
    url,
    port,
    requests,
    /** Queues answers for the next requests. Chainable. */
    script(...steps) {
      queue.push(...steps);
      return fake;
    },
    pending() {
      return queue.length;
    },
    /** Forgets requests, script and provider state. */
    reset() {
      requests.length = 0;
      queue.length = 0;
      spec.onReset?.(fake);
      return fake;
    },
    /** Resolves once at least `n` requests were received (rejects after timeoutMs). */
    waitForRequests(n, timeoutMs = 5000) {
      return waitForRequests(spec.name, requests, waiters, n, timeoutMs);
    },
    /** Closes the server and every socket (hung requests included). Idempotent. */
    stop() {
      stopped ??= closeServer(server, sockets, timers);
      return stopped;
    },
  };
  Object.assign(fake, spec.extend?.(fake) ?? {});
  spec.onReset?.(fake);
  return fake;
}

/** Waits `ms` (for "nothing else arrives afterwards" checks). */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every PASSNINJA_* / WALLETCREW_* / JERICOMMERCE_* / PASSBRIDGE_* name in process.env, set to undefined (for setEnv). */
export function clearedProviderEnv() {
  const out = {};
  for (const k of Object.keys(process.env)) {
    if (/^(PASSNINJA|WALLETCREW|JERICOMMERCE|PASSBRIDGE)_/.test(k)) out[k] = undefined;
  }
  return out;
}

/** True when `a` is a plain object with exactly the given keys (any order). */
export function keysOf(obj) {
  return Object.keys(obj ?? {}).sort();
}
