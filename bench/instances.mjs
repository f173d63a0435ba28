// What a trap costs now that a door keeps one wasm instance per generation
// (js/instances.mjs): the door's per-call overhead, the cold start of a
// second instance from the already compiled module, and the memory each live
// instance holds. Prints a Markdown report for BENCHMARKS.md.
//   node --expose-gc bench/instances.mjs [baseline door, e.g. another tree's js/klaviyo.mjs]
import { performance } from "node:perf_hooks";
import { inflateRawSync } from "node:zlib";
import * as glue from "../pkg/passbridge.js";
import { wasmDeflatedBase64 } from "../pkg/passbridge_inline.js";

const env = { PASSNINJA_API_KEY: "bench-key", PASSNINJA_ACCOUNT_ID: "aid_0x3f2a", PASSNINJA_TEMPLATE_ID: "ptk_0x1b7e" };
const options = { env, dryRun: true };
const profile = (i) => ({ external_id: `5d2b3f8a9c0e1f${i % 10}a3b`, properties: { loyalty_points: 1000 + i, loyalty_tier: "Gold" } });
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const gc = globalThis.gc ?? (() => {});
const rssMb = () => {
  gc();
  return process.memoryUsage().rss / 1048576;
};

const bytes = inflateRawSync(Buffer.from(wasmDeflatedBase64, "base64"));

// Cold start: compiling the module (once per process) against starting one
// more instance from it (what a trap costs the next call).
const compile = [], start = [], firstCall = [];
let module;
for (let i = 0; i < 9; i++) {
  const t0 = performance.now();
  module = new WebAssembly.Module(bytes);
  compile.push(performance.now() - t0);
}
const live = [];
for (let i = 0; i < 15; i++) {
  const t0 = performance.now();
  const g = glue.newGlue();
  g.initSync({ module });
  const h = new g.Handler(options);
  const t1 = performance.now();
  await h.run(null, profile(i), env, undefined);
  firstCall.push(performance.now() - t1);
  start.push(t1 - t0);
  live.push(g);
}

// Memory: each live instance holds its own linear memory.
const memoryOf = (g) => g.initSync({ module }).memory.buffer.byteLength;
const pages = live.map(memoryOf);
live.length = 0;
const before = rssMb();
for (let i = 0; i < 20; i++) {
  const g = glue.newGlue();
  g.initSync({ module });
  await new g.Handler(options).run(null, profile(i), env, undefined);
  live.push(g);
}
const held = rssMb();
live.length = 0;
await new Promise((resolve) => setTimeout(resolve, 50));
const released = rssMb();

// Per call: the door (instance choice, in-flight count) against the
// boundary's Handler.run called directly, interleaved; optionally a baseline door.
const door = (await import("../js/klaviyo.mjs")).createHandler(options);
const g = glue.newGlue();
g.initSync({ module });
const raw = new g.Handler(options);
const direct = (e, p) => raw.run(e, p, env, undefined);
const baselinePath = process.argv[2];
const baseline = baselinePath ? (await import(new URL(baselinePath, `file://${process.cwd()}/`))).createHandler(options) : null;
async function batch(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(null, profile(i), {});
  return ((performance.now() - t0) * 1000) / n;
}
const N = 20000, ROUNDS = 15;
const runs = { door: [], direct: [], baseline: [] };
for (let r = 0; r <= ROUNDS; r++) {
  const d = await batch(door, N), x = await batch(direct, N), b = baseline ? await batch(baseline, N) : NaN;
  if (r === 0) continue; // warm-up
  runs.door.push(d);
  runs.direct.push(x);
  runs.baseline.push(b);
}

const f = (x, d = 2) => x.toFixed(d);
console.log(`| measure | value |\n|---|---|`);
console.log(`| compiling the module (once per process) | ${f(compile[0])} ms (again, from V8's cache: ${f(median(compile.slice(1)))} ms) |`);
console.log(`| starting one more instance from it (newGlue + initSync + new Handler) | ${f(median(start))} ms |`);
console.log(`| that instance's first dry-run call | ${f(median(firstCall))} ms |`);
console.log(`| linear memory of an instance after a call | ${f(median(pages) / 1048576, 1)} MB |`);
console.log(`| RSS held per extra live instance (20 held) | ${f((held - before) / 20, 1)} MB; after dropping them: ${f(released - before, 1)} MB above the start |`);
console.log(`| per dry-run call, through the door | ${f(median(runs.door))} µs |`);
console.log(`| per dry-run call, Handler.run directly | ${f(median(runs.direct))} µs |`);
if (baseline) console.log(`| per dry-run call, baseline door (${baselinePath}) | ${f(median(runs.baseline))} µs |`);
