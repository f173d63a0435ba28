// Inflating the single file's wasm in a fresh process: node:zlib, the
// platform's DecompressionStream (js/inflate.mjs inflateRawNative) and the
// portable js/inflate.mjs, on the bytes `make build` inlined.
//   node bench/inflate.mjs
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const child = `
import { readFileSync } from "node:fs";
import zlib from "node:zlib";
const { inflateRaw, inflateRawNative } = await import(${JSON.stringify(new URL("../js/inflate.mjs", import.meta.url).href)});
const src = readFileSync(${JSON.stringify(new URL("../.tmp/code-action/passbridge_inline.js", import.meta.url).pathname)}, "utf8");
const b64 = src.match(/wasmDeflatedBase64 = "([^"]+)"/)[1];
const size = Number(src.match(/wasmSize = (\\d+)/)[1]);
const d = Buffer.from(b64, "base64");
const t = performance.now();
const how = process.argv[1];
const w = how === "js" ? inflateRaw(d, size) : how === "stream" ? await inflateRawNative(d, size) : zlib.inflateRawSync(d);
console.log(performance.now() - t, w.length);
`;
readFileSync(new URL("../.tmp/code-action/passbridge_inline.js", import.meta.url)); // built?
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const NAMES = { zlib: "node:zlib inflateRawSync", stream: "DecompressionStream(\"deflate-raw\") (async)", js: "js/inflate.mjs inflateRaw" };
for (const how of ["zlib", "stream", "js"]) {
  const ms = [];
  for (let i = 0; i < 9; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", child, how], { encoding: "utf8" });
    ms.push(Number(out.split(" ")[0]));
  }
  console.log(`| ${NAMES[how]} | ${median(ms).toFixed(2)} ms |`);
}
