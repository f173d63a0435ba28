// The shared body of every JS door: createHandler over the wasm boundary.
// A door passes a function that returns the compiled wasm module (from
// inlined bytes, or the one workerd hands over). Everything that decides
// anything lives in the Rust core (src/); this only picks the environment and
// fetch, calls the boundary on the instance js/instances.mjs picks, and turns
// a trap into the core's coded error.

import { initSync, newGlue, setTrapHandler, takeSpawnedCall, pollingCall, Handler, internalError } from "../pkg/passbridge.js";
import { instancesOf } from "./instances.mjs";

const processEnv = () => globalThis.process?.env ?? {};
const globalFetch = (url, init) => globalThis.fetch(url, init);
// Without a global fetch the core reports a configuration error (not a
// retryable network failure).
const defaultFetch = () => (typeof globalThis.fetch === "function" ? globalFetch : undefined);

/** Builds `createHandler` for a door whose `loadModule()` returns the compiled wasm module. */
export function makeCreateHandler(loadModule) {
  const instances = instancesOf({ initSync, newGlue, setTrapHandler, takeSpawnedCall, pollingCall, Handler, internalError }, loadModule);

  /**
   * A trap (`RuntimeError`) on `instance` costs only this call: new calls get
   * a fresh instance, and this one reports the core's coded error (from the
   * fresh instance) instead of the raw trap. Other errors pass through.
   */
  function recover(instance, error) {
    if (!instances.failed(instance, error)) return error;
    return internalErrorOr(error);
  }

  /** The core's internal_error, from the current (fresh) instance. */
  function internalErrorOr(error) {
    try {
      // The error itself is the core's (src/error.rs INTERNAL_MESSAGE).
      return instances.current().glue.internalError();
    } catch {
      // The next call tries again; until then the trap is all there is to say.
      return error;
    }
  }

  /**
   * A Klaviyo Code action handler `(event, profile, context) => Promise<result>`.
   * Options given here are checked at once (a bad template or an unknown option
   * throws now); the environment (`PASSNINJA_*`, `PASSBRIDGE_*`…) is read when
   * the handler runs.
   */
  return function createHandler(options) {
    // This handler's core on each instance (built once per instance).
    const token = {};
    const coreOn = (instance) => instances.memo(instance, token, (g) => new g.Handler(options));
    if (options !== undefined) {
      const instance = instances.current();
      try {
        coreOn(instance);
      } catch (error) {
        throw recover(instance, error);
      }
    }
    return function handler(event, profile, context) {
      let instance = null;
      try {
        instance = instances.current();
        // A trap in the call itself surfaces here (below); one in its later
        // steps rejects it through `instances.call`. Rejections from the
        // boundary are already coded errors.
        const core = coreOn(instance);
        const run = () => core.run(event, profile, options?.env ?? processEnv(), options?.fetch ?? defaultFetch());
        return instances.call(instance, run, internalErrorOr);
      } catch (error) {
        return Promise.reject(instance === null ? error : recover(instance, error));
      }
    };
  };
}
