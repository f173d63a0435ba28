// passbridge for workerd / Cloudflare Workers: the same API as klaviyo.mjs,
// but the wasm comes in as a compiled module (Workers do not compile
// WebAssembly from bytes at run time). Selected by the "workerd" export condition.

import wasmModule from "../pkg/passbridge_bg.wasm";
import { makeCreateHandler } from "./door.mjs";

export const createHandler = makeCreateHandler(() => wasmModule);
export const handler = createHandler();
export default handler;
