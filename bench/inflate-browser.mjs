// Inflating the single file's wasm in headless Chromium, fresh page each run:
// the platform's DecompressionStream("deflate-raw") against the portable
// js/inflate.mjs (what the playground page and the single file in a browser use).
//   node bench/inflate-browser.mjs
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { startBrowser, ROOT } from "../tests/playground/webdriver.mjs";

const src = readFileSync(new URL("../.tmp/code-action/passbridge_inline.js", import.meta.url), "utf8");
const inflate = readFileSync(new URL("../js/inflate.mjs", import.meta.url), "utf8").replace(/^export /gm, "");
mkdirSync(`${ROOT}.tmp/bench`, { recursive: true });
const page = `${ROOT}.tmp/bench/inflate.html`;
writeFileSync(page, `<!doctype html><script type="module">
${src.replace(/^export /gm, "")}
${inflate}
const how = location.hash.slice(1);
const bin = atob(wasmDeflatedBase64);
const d = new Uint8Array(bin.length);
for (let i = 0; i < bin.length; i++) d[i] = bin.charCodeAt(i);
const t = performance.now();
const w = how === "stream" ? await inflateRawNative(d, wasmSize) : inflateRaw(d, wasmSize);
document.documentElement.dataset.ms = String(performance.now() - t);
document.documentElement.dataset.ready = String(w.length === wasmSize);
</script>`);
const browser = await startBrowser();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const ms = { stream: [], js: [] };
  for (let i = 0; i < 9; i++) {
    for (const how of ["stream", "js"]) {
      await browser.go("about:blank");
      await browser.open(`file://${page}?${i}#${how}`);
      ms[how].push(Number(await browser.exec(() => document.documentElement.dataset.ms)));
    }
  }
  console.log(`| Chromium: DecompressionStream("deflate-raw") | ${median(ms.stream).toFixed(2)} ms |`);
  console.log(`| Chromium: js/inflate.mjs inflateRaw | ${median(ms.js).toFixed(2)} ms |`);
} finally {
  await browser.close();
}
