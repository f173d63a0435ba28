// passbridge — Klaviyo Code action door.
//
//   import { handler } from "./klaviyo.mjs";      // drop-in for seed 000's code
//   export default handler;
//
// or createHandler({ provider, operation, fields, env, fetch, dryRun, budgetMs, … }).
// Everything that decides anything lives in the Rust core (src/); this file only
// loads the wasm, picks the environment and fetch, and calls the boundary.
// Importing it never throws: the wasm is loaded and the configuration read when
// a handler is first created with options or first runs.

import { initSync, Handler } from "../pkg/passbridge.js";
import { wasmBase64 } from "../pkg/passbridge_inline.js";

let loaded = false;

function decodeBase64(text) {
  // Node (where Klaviyo runs code) decodes natively, ten times faster than
  // the portable loop; browsers and workerd take the loop.
  if (typeof globalThis.Buffer?.from === "function") return globalThis.Buffer.from(text, "base64");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function loadWasm() {
  if (loaded) return;
  initSync({ module: decodeBase64(wasmBase64) });
  loaded = true;
}

const processEnv = () => globalThis.process?.env ?? {};
const globalFetch = (url, init) => globalThis.fetch(url, init);

/**
 * Builds a Klaviyo Code action handler `async (event, profile, context) => result`.
 * Options given here are checked at once (a bad template throws now); the
 * environment (`PASSNINJA_*`, `PASSBRIDGE_*`) is read when the handler runs.
 */
export function createHandler(options) {
  let core = null;
  if (options !== undefined) {
    loadWasm();
    core = new Handler(options);
  }
  // Not `async`: returning the boundary's promise directly saves two
  // microtask hops per call; a synchronous throw still becomes a rejection.
  return function handler(event, profile, context) {
    try {
      if (core === null) {
        loadWasm();
        core = new Handler(options);
      }
      return core.run(event, profile, options?.env ?? processEnv(), options?.fetch ?? globalFetch);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** The ready-made handler: PassNinja update with seed 000's mapping, configured by environment. */
export const handler = createHandler();
export default handler;
