// make bench: per-call cost of the single-file Code action handler (dry run)
// beside seed 000's plain-JS logic, interleaved in one process; cold start in
// fresh processes; artifact sizes. Prints a Markdown report for BENCHMARKS.md.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { performance } from "node:perf_hooks";

const root = new URL("../", import.meta.url);
const distPath = new URL("dist/klaviyo-code-action.mjs", root);
const seedPath = new URL("bench/seed000.mjs", root);

Object.assign(process.env, {
  PASSNINJA_API_KEY: "bench-key",
  PASSNINJA_ACCOUNT_ID: "aid_0x3f2a",
  PASSNINJA_TEMPLATE_ID: "ptk_0x1b7e",
  PASSBRIDGE_DRY_RUN: "1",
});

// A profile as Klaviyo sends it, with ~40 extra properties a real account carries.
function profile(i) {
  const properties = { loyalty_points: 1000 + i, loyalty_tier: i % 2 ? "Gold" : "Silver" };
  for (let k = 0; k < 40; k++) properties[`custom_property_${k}`] = k % 3 ? `value ${k}` : k * 1.5;
  return {
    data: {
      type: "profile",
      id: `01JD${i}`,
      attributes: {
        email: `user${i}@example.com`, phone_number: "+15005550006", external_id: `5d2b3f8a9c0e1f${i % 10}a3b`,
        first_name: "Ada", last_name: "Lovelace", locale: "en-GB", location: { city: "London" }, properties,
      },
    },
  };
}

const profiles = Array.from({ length: 64 }, (_, i) => profile(i));
const ours = (await import(distPath)).handler;
const seed = (await import(seedPath)).handler;

// Both must agree on what they would send before timing means anything.
const a = await ours(null, profiles[1], {}), b = await seed(null, profiles[1], {});
if (a.request.url !== b.request.url || JSON.parse(a.request.body).pass["points-balance"] !== JSON.parse(b.request.body).pass["points-balance"]) {
  throw new Error(`handlers disagree: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

async function batch(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(null, profiles[i & 63], {});
  return ((performance.now() - t0) * 1000) / n; // µs per call
}

const N = 20000, ROUNDS = 15;
await batch(ours, N); await batch(seed, N); // warm up
const samples = { ours: [], seed: [] };
for (let r = 0; r < ROUNDS; r++) {
  samples.ours.push(await batch(ours, N));
  samples.seed.push(await batch(seed, N));
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

// Cold start: a fresh process imports the module and makes its first call.
function coldStart(modulePath) {
  const script = `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(modulePath.href)});
    await m.handler(null, ${JSON.stringify(profiles[0])}, {});
    console.log(performance.now() - t0);`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { env: process.env });
  return Number(out.toString().trim());
}
const cold = { ours: [], seed: [] };
for (let r = 0; r < 15; r++) {
  cold.ours.push(coldStart(distPath));
  cold.seed.push(coldStart(seedPath));
}

const size = (p) => statSync(new URL(p, root)).size;
const gz = (p) => gzipSync(readFileSync(new URL(p, root)), { level: 9 }).length;
let unopt = "n/a";
try { unopt = size(".tmp/passbridge_bg.unopt.wasm").toLocaleString("en"); } catch {}

const f = (x) => x.toFixed(2);
const mo = median(samples.ours), ms = median(samples.seed);
const co = median(cold.ours), cs = median(cold.seed);
console.log(`Node ${process.version}, ${N} calls × ${ROUNDS} interleaved rounds, medians.

| handler (dry run, profile with ~40 extra properties) | µs per call |
|---|---|
| seed 000's logic, plain JS (bench/seed000.mjs) | ${f(ms)} |
| passbridge single file (dist/klaviyo-code-action.mjs) | ${f(mo)} |
| ratio | ${f(mo / ms)}× |

| cold start (fresh process: import + first call, median of 15) | ms |
|---|---|
| seed 000's logic | ${f(cs)} |
| passbridge single file | ${f(co)} |
| difference | ${f(co - cs)} |

| artifact | bytes | gzip -9 |
|---|---|---|
| .wasm before wasm-opt | ${unopt} | — |
| pkg/passbridge_bg.wasm (after wasm-opt -Oz) | ${size("pkg/passbridge_bg.wasm").toLocaleString("en")} | ${gz("pkg/passbridge_bg.wasm").toLocaleString("en")} |
| dist/klaviyo-code-action.mjs | ${size("dist/klaviyo-code-action.mjs").toLocaleString("en")} | ${gz("dist/klaviyo-code-action.mjs").toLocaleString("en")} |`);
