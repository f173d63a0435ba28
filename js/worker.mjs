// passbridge — Cloudflare Worker proxy for Klaviyo Webhook actions.
//
// Routes, authentication, checks, mapping, provider requests and how each
// result is answered all live in the Rust core (src/worker.rs); this entry
// only loads the wasm, reads the request (bounded), calls the boundary, logs
// its one line, and sends the answer. Configure with worker.toml and secrets.

import { initSync, WorkerApp } from "../pkg/passbridge.js";
import wasmModule from "../pkg/passbridge_bg.wasm";

initSync({ module: wasmModule });

let app = null;
let appEnv = null;

/** The body as text, or null when it is larger than `limit` bytes (read no further). */
async function readBounded(request, limit) {
  if (request.body === null) return "";
  // Always stream and count: a Content-Length can lie (chunked bodies win).
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
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
  return new TextDecoder().decode(bytes);
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

/**
 * Runs the statements the core asks for (`[{ sql, params }]`, JSON) as one D1
 * batch (one transaction) and returns `[{ changes, rows }]` as JSON. The core
 * decides which statements and what their results mean; this only executes.
 */
function ledgerRunner(env) {
  return async (statementsJson) => {
    const db = env.LEDGER;
    const statements = JSON.parse(statementsJson).map((s) => db.prepare(s.sql).bind(...s.params));
    const results = await db.batch(statements);
    return JSON.stringify(results.map((r) => ({ changes: r.meta?.changes ?? 0, rows: r.results ?? [] })));
  };
}

/** One app per Worker instance: mappings are parsed once, on first use. */
function appFor(env) {
  if (app === null || appEnv !== env) {
    app = new WorkerApp(env);
    appEnv = env;
  }
  return app;
}

const INTERNAL_ERROR = JSON.stringify({
  type: "urn:passbridge:error:internal_error",
  title: "Internal Server Error",
  status: 500,
  detail: "unexpected failure in the Worker; its log line has the error name",
  code: "internal_error",
});

export default {
  async fetch(request, env) {
    const started = Date.now();
    try {
      const app = appFor(env);
      const url = new URL(request.url);
      const path = url.pathname;
      const h = request.headers;
      const flowId = h.get("x-klaviyo-flow-id") ?? undefined;
      let answer = app.gate(
        request.method,
        path,
        h.get("content-type") ?? undefined,
        h.get("content-length") ?? undefined,
        h.get("authorization") ?? undefined,
        started,
        flowId,
      );
      if (answer !== null) {
        // The core says when a body must be read before an early answer
        // (keep-alive); never wait on it for more than a second.
        if (answer.drainBody) await drainWithin(request, app.maxBodyBytes, 1000);
      } else {
        const body = await readBounded(request, app.maxBodyBytes);
        answer =
          body === null
            ? app.tooLarge(path, started, flowId)
            : await app.handle(
                path,
                body,
                (url, init) => fetch(url, init),
                started,
                flowId,
                {
                  method: request.method,
                  query: url.search,
                  idempotencyKey: h.get("idempotency-key") ?? undefined,
                  authorization: h.get("authorization") ?? undefined,
                },
                ledgerRunner(env),
              );
      }
      console.log(answer.log);
      return new Response(request.method === "HEAD" ? null : answer.body, {
        status: answer.status,
        headers: answer.headers,
      });
    } catch (error) {
      // The error's name only: its message could quote request data.
      const name = typeof error?.name === "string" ? error.name.slice(0, 64) : "unknown";
      console.log(JSON.stringify({ outcome: "internal_error", error: name, durationMs: Date.now() - started }));
      return new Response(INTERNAL_ERROR, {
        status: 500,
        headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store" },
      });
    }
  },

  // The ledger's clean-up (worker.toml [triggers] crons): what to delete is the core's rule.
  async scheduled(controller, env, ctx) {
    const started = Date.now();
    const run = appFor(env)
      .retention(started, ledgerRunner(env))
      .then((line) => console.log(line))
      .catch((error) => {
        const name = typeof error?.name === "string" ? error.name.slice(0, 64) : "unknown";
        console.log(JSON.stringify({ outcome: "retention", error: name, durationMs: Date.now() - started }));
      });
    ctx.waitUntil(run);
    await run;
  },
};
