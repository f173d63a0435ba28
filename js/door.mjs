// The shared body of every JS door: createHandler over the wasm boundary.
// A door passes a function that initialises the wasm once (from inlined
// bytes, or from the compiled module workerd hands over). Everything that
// decides anything lives in the Rust core (src/); this only picks the
// environment and fetch, calls the boundary, and recovers from a trap.

import { Handler, __wbg_reset_state, internalError } from "../pkg/passbridge.js";

const processEnv = () => globalThis.process?.env ?? {};
const globalFetch = (url, init) => globalThis.fetch(url, init);
// Without a global fetch the core reports a configuration error (not a
// retryable network failure).
const defaultFetch = () => (typeof globalThis.fetch === "function" ? globalFetch : undefined);

// Bumped each time the wasm instance is replaced after a trap: handlers
// built on an older instance rebuild themselves on their next call.
let generation = 0;

/**
 * A trap (`RuntimeError`: a panic, memory exhausted) leaves the instance
 * unusable and its memory at its peak: replace it with a fresh one and
 * report a coded error instead of the raw trap. Other errors pass through.
 */
function recover(error) {
  if (!(error instanceof WebAssembly.RuntimeError)) return error;
  generation++;
  try {
    __wbg_reset_state();
    // The error itself is the core's (src/error.rs INTERNAL_MESSAGE).
    return internalError();
  } catch {
    // The next call tries again; until then the trap is all there is to say.
    return error;
  }
}

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
    let coreGeneration = generation;
    if (options !== undefined) {
      loadWasm();
      try {
        core = new Handler(options);
      } catch (error) {
        throw recover(error);
      }
    }
    return function handler(event, profile, context) {
      try {
        if (core === null || coreGeneration !== generation) {
          loadWasm();
          core = new Handler(options);
          coreGeneration = generation;
        }
        // The boundary's promise as is: a trap can only surface synchronously
        // (below); rejections from the boundary are already coded errors.
        return core.run(event, profile, options?.env ?? processEnv(), options?.fetch ?? defaultFetch());
      } catch (error) {
        return Promise.reject(recover(error));
      }
    };
  };
}
