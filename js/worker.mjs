// passbridge — Cloudflare Worker proxy for Klaviyo Webhook actions.
//
// Routes, authentication, checks, mapping, provider requests and how each
// result is answered all live in the Rust core (src/worker.rs); this entry
// only loads the wasm, reads the request (bounded), calls the boundary, logs
// its one line, and sends the answer. Configure with worker.toml and secrets.

import { initSync, WorkerApp, homePage } from "../pkg/passbridge.js";
import wasmModule from "../pkg/passbridge_bg.wasm";
// GET / answers the mapping playground page (built by `make build`).
import playgroundPage from "../dist/playground-page.mjs";

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
      // One app per Worker instance: mappings are parsed once, on first use.
      if (app === null || appEnv !== env) {
        app = new WorkerApp(env);
        appEnv = env;
      }
      const path = new URL(request.url).pathname;
      const h = request.headers;
      const flowId = h.get("x-klaviyo-flow-id") ?? undefined;
      // GET / is the playground page (src/worker.rs home_page): no secret, no env.
      let answer = homePage(request.method, path, h.get("content-length") ?? undefined, started, flowId);
      answer ??= app.gate(
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
            : await app.handle(path, body, (url, init) => fetch(url, init), started, flowId);
      }
      console.log(answer.log);
      return new Response(request.method === "HEAD" ? null : answer.page ? playgroundPage : answer.body, {
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
};
