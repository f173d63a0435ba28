// Rewrites wasm-bindgen's `--target web` glue (passbridge.js, in place) so one
// module can run several independent wasm instances: the glue's body (its
// `wasm` variable, heap, caches and classes) moves into a function, and
//
//   - the module's own exports stay what wasm-bindgen made them: the classes
//     and functions of ONE instance, created at import and initialised by
//     `initSync` / the default export as before;
//   - `newGlue()` returns another, independent copy of those exports (its own
//     instance once its `initSync` runs).
//
// `import.meta.url` (the default wasm path of the async default export) is
// read only by a top-level wrapper of that export, so a bundle that does not
// use it (the Code action's single file) drops it and stays free of
// `import.meta`.
//
// js/instances.mjs uses `newGlue` to give new calls a fresh instance after a
// trap while the calls already running finish on the old one (wasm-bindgen's
// `__wbg_reset_state` replaced the instance under every call in flight).
//
// Each copy also gets `setTrapHandler(fn)`: a trap in wasm-bindgen's task
// queue (a call's steps after its first await, run from a microtask the door
// cannot catch) goes to `fn` instead of escaping to the host, and the queue
// runs again for the tasks that trap left waiting in it.
// The .d.ts next to it gains `newGlue` and `setTrapHandler`.
//   node js/build/glue-factory.mjs <out dir>/passbridge.js
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const MARK = "// passbridge: glue factory (js/build/glue-factory.mjs)";
const [path] = process.argv.slice(2);
const source = readFileSync(path, "utf8");
if (source.includes(MARK)) process.exit(0);

const imports = [];
const body = [];
const exported = new Map(); // exported name → local name
// A multi-line `import { a, b } from "…";` is kept whole.
let inImport = false;
for (const line of source.split("\n")) {
  if (inImport || /^import\s/.test(line) || /^\/\* @ts-self-types=/.test(line)) {
    imports.push(line);
    inImport = !/;\s*$/.test(line) && !/from\s+["'][^"']+["']\s*;?\s*$/.test(line);
    continue;
  }
  let m;
  if ((m = /^export (class|function|async function|const|let) (\w+)/.exec(line))) {
    exported.set(m[2], m[2]);
    body.push(line.slice("export ".length));
  } else if ((m = /^export \{([^}]*)\};?\s*$/.exec(line))) {
    for (const spec of m[1].split(",").map((s) => s.trim()).filter(Boolean)) {
      const [local, name = local] = spec.split(/\s+as\s+/);
      exported.set(name, local);
    }
  } else if ((m = /^export default (\w+);?\s*$/.exec(line))) {
    exported.set("default", m[1]);
  } else if (/^export\b/.test(line)) {
    throw new Error(`${path}: an export this rewrite does not know: ${line}`);
  } else {
    body.push(line.replaceAll("import.meta.url", "base.url"));
  }
}
if (exported.size === 0) throw new Error(`${path}: no exports found (not wasm-bindgen glue?)`);
for (const name of ["newGlue", "setTrapHandler"]) {
  if (exported.has(name)) throw new Error(`${path}: the glue already exports ${name}`);
}
exported.set("setTrapHandler", "setTrapHandler");
// The one place the glue schedules wasm-bindgen's task queue.
const GUARD = `
let trapHandler = null;
function setTrapHandler(handler) {
  trapHandler = handler;
}
const queueMicrotask = (task) =>
  globalThis.queueMicrotask(function guarded() {
    try {
      task();
    } catch (error) {
      if (trapHandler === null || !(error instanceof WebAssembly.RuntimeError)) throw error;
      trapHandler(error);
      globalThis.queueMicrotask(guarded);
    }
  });`;

const named = [...exported].filter(([name]) => name !== "default");
const entries = [...exported].map(([name, local]) => (name === local ? local : `${JSON.stringify(name)}: ${local}`));
const out = [
  MARK,
  ...imports,
  "",
  "// `base.url`: this module's URL, set when the default export runs.",
  "function passbridgeGlue(base) {",
  GUARD,
  ...body,
  `return { ${entries.join(", ")} };`,
  "}",
  "",
  "const base = { url: undefined };",
  "const glue = passbridgeGlue(base);",
  ...named.map(([name]) => `export const ${name} = glue.${name};`),
  ...(exported.has("default")
    ? ["export default function init(...args) {", "  base.url ??= import.meta.url;", "  return glue.default(...args);", "}"]
    : []),
  "/** Another, independent copy of this module's exports: its own wasm instance once its initSync runs. */",
  "export const newGlue = () => passbridgeGlue(base);",
  "",
];
writeFileSync(path, out.join("\n"));

const dts = path.replace(/\.js$/, ".d.ts");
if (existsSync(dts)) {
  const text = readFileSync(dts, "utf8");
  if (!text.includes("newGlue")) {
    writeFileSync(
      dts,
      `${text.trimEnd()}\n\n/** Another, independent copy of this module's exports: its own wasm instance once its initSync runs. */\nexport function newGlue(): typeof import("./passbridge.js");\n` +
        `/** Where a trap in the task queue (a call's steps after its first await) goes instead of the host. */\nexport function setTrapHandler(handler: ((error: WebAssembly.RuntimeError) => void) | null): void;\n`,
    );
  }
}
