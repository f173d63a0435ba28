// passbridge — Cloudflare Worker proxy for Klaviyo Webhook actions.
//
// Routes, authentication, checks, mapping, provider requests, how each
// result is answered and what is logged all live in the Rust core
// (src/worker/, src/answer.rs, src/ledger/); this entry only loads the wasm, reads the request body
// (bounded), calls the boundary, prints its one log line, and sends the
// answer. Configure with worker.toml and secrets.

import { initSync, newGlue, setTrapHandler, takeSpawnedCall, pollingCall, WorkerApp } from "../pkg/passbridge.js";
import wasmModule from "../pkg/passbridge_bg.wasm";
import { instancesOf } from "./instances.mjs";
// GET / answers the mapping playground page, GET /review the deliveries page
// (both built by `make build`); the core names the page to send.
import playgroundPage from "../dist/playground-page.mjs";
import reviewPage from "../dist/review-page.mjs";

const PAGES = { playground: playgroundPage, review: reviewPage.on, "review-off": reviewPage.off };

// Which wasm instance a request runs on: after a trap, new requests get a
// fresh one while those in flight finish on theirs (js/instances.mjs).
const instances = instancesOf({ initSync, newGlue, setTrapHandler, takeSpawnedCall, pollingCall, WorkerApp }, () => wasmModule);
instances.current();

/** Thrown by readBounded when the client goes away mid-body. */
class ClientClosed extends Error {}

/**
 * The body's bytes, or null when it is larger than `limit` bytes (read no further).
 * Never decoded here: the core checks that they are UTF-8 (and names the
 * first bad byte) before reading them as JSON.
 * Not the boundary's readText (js/boundary.js), on purpose: a webhook body
 * over the limit must be refused whole (413, nothing sent: a cut body would
 * send a partial profile), and a client going away is its own answer (499);
 * readText reads a provider's answer, where a prefix is all we keep.
 */
async function readBounded(request, limit) {
  if (request.body === null) return new Uint8Array(0);
  // Always stream and count: a Content-Length can lie (chunked bodies win).
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch {
      throw new ClientClosed();
    }
    const { done, value } = step;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads and discards the body (at most `limit` bytes), giving up after `ms`. */
async function drainWithin(request, limit, ms) {
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([readBounded(request, limit).catch(() => {}), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function send(answer) {
  console.log(answer.log);
  return new Response(answer.page ? PAGES[answer.page] : answer.body, { status: answer.status, headers: answer.headers });
}

/** Each SQL text is prepared once per isolate and binding (the core's SQL is a
 * fixed set); `bind` gives a new statement each time, so sharing is safe. */
const PREPARED = new WeakMap();
function prepared(db, sql) {
  let bySql = PREPARED.get(db);
  if (!bySql) PREPARED.set(db, (bySql = new Map()));
  let statement = bySql.get(sql);
  if (!statement) bySql.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/**
 * Runs the statements the core asks for (`[{ sql, params }]`, JSON) as one D1
 * batch (one transaction) and returns `[{ changes, rows }]` as JSON. The core
 * decides which statements and what their results mean; this only executes.
 */
function ledgerRunner(env) {
  return async (statementsJson) => {
    const db = env.LEDGER;
    const statements = JSON.parse(statementsJson).map((s) => prepared(db, s.sql).bind(...s.params));
    const results = await db.batch(statements);
    return JSON.stringify(results.map((r) => ({ changes: r.meta?.changes ?? 0, rows: r.results ?? [] })));
  };
}

/** One app per wasm instance and env: mappings are parsed once, on first use. */
function appFor(instance, env) {
  return instances.memo(instance, env, (g) => new g.WorkerApp(env));
}

export default {
  async fetch(request, env) {
    const started = Date.now();
    let instance = null;
    try {
      instance = instances.current();
      const app = appFor(instance, env);
      // GET / and GET /review are pages; the core decides (src/worker/routes.rs home_page, src/review.rs).
      let answer = app.gate(request, started);
      if (answer !== null) {
        // The core says when a body must be read before an early answer
        // (keep-alive), and for how long at most.
        if (answer.drainBody) await drainWithin(request, app.maxBodyBytes, app.drainMs);
        return send(answer);
      }
      let body;
      try {
        body = await readBounded(request, app.maxBodyBytes);
      } catch (error) {
        if (error instanceof ClientClosed) return send(app.clientClosed(request, started));
        throw error;
      }
      if (body === null) return send(app.tooLarge(request, started));
      const handled = () => app.handle(request, body, (url, init) => fetch(url, init), started, ledgerRunner(env));
      return send(await instances.call(instance, handled));
    } catch (error) {
      // A trap (a panic, memory exhausted) costs only this request: new
      // requests get a fresh instance (which answers this one), and the
      // requests in flight on the trapped one finish there.
      if (instance !== null) instances.failed(instance, error);
      try {
        return send(appFor(instances.current(), env).internalError(request, started));
      } catch {
        // The core itself cannot answer: the one fixed answer that needs no wasm.
        console.log(JSON.stringify({ route: null, status: 500, outcome: "internal_error", code: "internal_error", upstreamStatus: null, durationMs: Date.now() - started, flowId: null, delivery: null, ledger: null, replayed: false, keySource: null }));
        return new Response('{"type":"urn:passbridge:error:internal_error","title":"Internal Server Error","status":500,"detail":"unexpected failure in the Worker; Klaviyo will retry","code":"internal_error"}', {
          status: 500,
          headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store" },
        });
      }
    }
  },

  // The ledger's clean-up (worker.toml [triggers] crons): what to delete is the core's rule.
  async scheduled(controller, env, ctx) {
    const started = Date.now();
    const instance = instances.current();
    const app = appFor(instance, env);
    const run = instances
      .call(instance, () => app.retention(started, ledgerRunner(env)))
      .then((line) => console.log(line))
      .catch((error) => {
        const name = typeof error?.name === "string" ? error.name.slice(0, 64) : "unknown";
        console.log(JSON.stringify({ outcome: "retention", error: name, durationMs: Date.now() - started }));
      });
    ctx.waitUntil(run);
    await run;
  },
};
