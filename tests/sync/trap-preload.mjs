// Loaded with `node --import` before bin/passbridge.mjs in tests/sync/trap.test.mjs
// (not a test file): reading a provider answer whose URL holds `TRAP` makes
// the handler's wasm instance trap, as tests/js/trap-async.test.mjs does: a
// call into the instance with a pointer it does not own, whose RuntimeError
// unwinds through the frames of the call being polled. Installed before the
// wasm starts (the glue binds its imports then); other answers are untouched.
import { readdirSync } from "node:fs";

const glue = await import("../../pkg/passbridge.js");
const [snippet] = readdirSync(new URL("../../pkg/snippets/", import.meta.url));
const { pb } = await import(`../../pkg/snippets/${snippet}/js/boundary.js`);
const real = pb.readText;
pb.readText = function (res, limit) {
  if (typeof res?.url === "string" && res.url.includes("TRAP")) {
    const bogus = Object.create(glue.Handler.prototype);
    Object.defineProperty(bogus, "__wbg_ptr", { value: 0x7ffffff0 });
    try {
      glue.Handler.prototype.run.call(bogus, null, {}, {}, undefined);
    } finally {
      retire();
    }
  }
  return real.call(this, res, limit);
};

/**
 * The trapped (first) instance is retired: its state is suspect (docs/traps.md),
 * so no new call may run on it. Its `Sync` class refuses every later call, as
 * an instance whose memory is exhausted would: a run whose state lived there
 * stops; one whose state lives on its own instance goes on.
 */
function retire() {
  for (const name of Object.getOwnPropertyNames(glue.Sync.prototype)) {
    const d = Object.getOwnPropertyDescriptor(glue.Sync.prototype, name);
    if (name === "constructor" || typeof d.value !== "function") continue;
    glue.Sync.prototype[name] = () => {
      throw new WebAssembly.RuntimeError("unreachable (a call into the retired instance)");
    };
  }
}
