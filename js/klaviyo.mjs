// passbridge — the Klaviyo Code action door, for any JS runtime that may
// compile WebAssembly from bytes (Node ≥ 18, browsers). The wasm is inlined, so
// `make build` can bundle this file into ONE self-contained file
// (dist/klaviyo-code-action.mjs) to paste into Klaviyo's editor.
//
//   import { handler } from "./klaviyo.mjs";      // drop-in for seed 000's code
//   export default handler;
//
// or createHandler({ provider, operation, fields, env, fetch, dryRun, budgetMs, … }).
// Importing never throws: the wasm is loaded and the configuration read when a
// handler is first created with options, or first runs.

import { wasmDeflatedBase64, wasmSize } from "../pkg/passbridge_inline.js";
import { makeCreateHandler } from "./door.mjs";
import { inflateRaw } from "./inflate.mjs";

function decodeBase64(text) {
  // Node (where Klaviyo runs code) decodes natively, ten times faster than
  // the portable loop; browsers take the loop.
  if (typeof globalThis.Buffer?.from === "function") return globalThis.Buffer.from(text, "base64");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The wasm bytes: Node's zlib where it is at hand (fast), else the portable inflater. */
function inflate(deflated) {
  const zlib = globalThis.process?.getBuiltinModule?.("node:zlib");
  if (typeof zlib?.inflateRawSync === "function") return zlib.inflateRawSync(deflated);
  return inflateRaw(deflated, wasmSize);
}

/** Compiled once; every instance (a fresh one after a trap) is made from it. */
const loadModule = () => new WebAssembly.Module(inflate(decodeBase64(wasmDeflatedBase64)));

export const createHandler = makeCreateHandler(loadModule);

/** The ready-made handler: PassNinja update with seed 000's mapping, configured by environment. */
export const handler = createHandler();
export default handler;
