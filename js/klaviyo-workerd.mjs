// passbridge for workerd / Cloudflare Workers: the same API as klaviyo.mjs,
// but the wasm comes in as a compiled module (Workers do not compile
// WebAssembly from bytes at run time). Selected by the "workerd" export condition.

import { initSync } from "../pkg/passbridge.js";
import wasmModule from "../pkg/passbridge_bg.wasm";
import { makeCreateHandler } from "./door.mjs";

let loaded = false;

function loadWasm() {
  if (loaded) return;
  initSync({ module: wasmModule });
  loaded = true;
}

export const createHandler = makeCreateHandler(loadWasm);
export const handler = createHandler();
export default handler;
