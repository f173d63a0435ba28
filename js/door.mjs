// The shared body of every JS door: createHandler over the wasm boundary.
// A door passes a function that initialises the wasm once (from inlined
// bytes, or from the compiled module workerd hands over). Everything that
// decides anything lives in the Rust core (src/); this only picks the
// environment and fetch, and calls the boundary.

import { Handler } from "../pkg/passbridge.js";

const processEnv = () => globalThis.process?.env ?? {};
const globalFetch = (url, init) => globalThis.fetch(url, init);
// Without a global fetch the core reports a configuration error (not a
// retryable network failure).
const defaultFetch = () => (typeof globalThis.fetch === "function" ? globalFetch : undefined);

/** Builds `createHandler` for a door whose `loadWasm()` initialises the wasm (idempotent). */
export function makeCreateHandler(loadWasm) {
  /**
   * A Klaviyo Code action handler `(event, profile, context) => Promise<result>`.
   * Options given here are checked at once (a bad template or an unknown option
   * throws now); the environment (`PASSNINJA_*`, `PASSBRIDGE_*`…) is read when
   * the handler runs.
   */
  return function createHandler(options) {
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
        return core.run(event, profile, options?.env ?? processEnv(), options?.fetch ?? defaultFetch());
      } catch (error) {
        return Promise.reject(error);
      }
    };
  };
}
