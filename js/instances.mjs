// Which wasm instance a call runs on, shared by every door (js/door.mjs,
// js/worker.mjs). A trap (`WebAssembly.RuntimeError`: a panic, memory
// exhausted) costs only the call that trapped:
//
//   - new calls go to a fresh instance (its own memory, so memory does not
//     stay at the trapped one's peak);
//   - the calls already running on the trapped instance finish on it, with
//     their true answers (replacing the instance under them lost every one);
//   - the trapped instance is retired: nothing here refers to it any more,
//     only the calls still running on it do (their closures), so it and its
//     objects (a handler's core, the Worker's app) are garbage once the last
//     of them ends.
//
// A trap in the boundary call itself throws where the door catches it. A trap
// in a call's later steps (after its first await) happens in wasm-bindgen's
// task queue: the glue hands it to this instance's trap handler instead of
// the host (js/build/glue-factory.mjs), the core says which numbered call was
// being polled (src/wasm/calls.rs), and `call()` rejects that one alone.
//
// No rule about requests lives here: only "which instance".

// One set per glue module (keyed by its initSync), whichever doors share it;
// the first door's `load` wins.
const sets = new WeakMap();

/**
 * The instances of one glue module. `glue`: the module-level exports of
 * pkg/passbridge.js a door uses, with `initSync` and `newGlue` (the first
 * instance is theirs, initialised here; `newGlue()` makes another copy of
 * them, js/build/glue-factory.mjs). `load()` returns the compiled
 * `WebAssembly.Module`, called once, on first use (importing a door never throws).
 */
export function instancesOf(glue, load) {
  let set = sets.get(glue.initSync);
  if (set === undefined) {
    set = makeInstances({ ...glue }, load);
    sets.set(glue.initSync, set);
  } else {
    // Another door on the same module: the first instance carries its exports too.
    set.share(glue);
  }
  return set;
}

function makeInstances(glue, load) {
  let module = null;
  let current = null;
  let made = 0;

  function start() {
    if (module === null) module = load();
    const g = made === 0 ? glue : glue.newGlue();
    g.initSync({ module });
    made++;
    const instance = { glue: g, objects: new WeakMap(), calls: new Map() };
    // A trap in a call's later steps (run from wasm-bindgen's task queue, out
    // of the door's reach): the glue hands it here; that call alone fails.
    g.setTrapHandler((error) => {
      if (current === instance) current = null;
      let call = 0;
      try {
        call = g.pollingCall();
      } catch {
        // Nothing more to learn from this instance.
      }
      const settle = instance.calls.get(call);
      instance.calls.delete(call);
      settle?.(error);
    });
    return instance;
  }

  return {
    share(exports) {
      for (const [name, value] of Object.entries(exports)) glue[name] ??= value;
    },

    /** The instance new calls run on (started on first use, or after a trap). */
    current() {
      current ??= start();
      return current;
    },

    /**
     * The object `make(glue)` built on `instance` for `key` (a handler's token,
     * the Worker's env): built once per instance, gone with the instance.
     */
    memo(instance, key, make) {
      let object = instance.objects.get(key);
      if (object === undefined) {
        object = make(instance.glue);
        instance.objects.set(key, object);
      }
      return object;
    },

    /**
     * `run()` (a boundary call returning a promise) as one numbered call on
     * `instance`: settles as that promise does, or, when a trap stops the call
     * in its later steps, rejects with `trapped(error)`.
     */
    call(instance, run, trapped = (error) => error) {
      const running = run();
      const id = instance.glue.takeSpawnedCall();
      // Settled already (no later steps, e.g. a dry run): nothing to watch.
      if (id === 0) return running;
      return new Promise((resolve, reject) => {
        instance.calls.set(id, (error) => reject(trapped(error)));
        running.then(
          (value) => {
            instance.calls.delete(id);
            resolve(value);
          },
          (error) => {
            instance.calls.delete(id);
            reject(error);
          },
        );
      });
    },

    /** `error` came from `instance`: after a trap, new calls get a fresh instance. */
    failed(instance, error) {
      if (!(error instanceof WebAssembly.RuntimeError)) return false;
      if (current === instance) current = null;
      return true;
    },

    /** How many instances were started (the first, then one per trap). */
    get started() {
      return made;
    },
  };
}
