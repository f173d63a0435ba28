// make bench (second half): passbridge's Cloudflare Worker (js/worker.mjs + the
// wasm core) beside a plain-JavaScript Worker doing seed 000's job
// (bench/plain-worker.mjs), both in real workerd through Miniflare, driven
// over real HTTP on 127.0.0.1 with the same load, interleaved, in one run.
// The upstream is the fake PassNinja API (tests/js/fake-passninja.mjs), which
// answers 200 at once. Prints a Markdown report for BENCHMARKS.md.
//
// Bounded: a fixed number of requests, a per-request timeout, and a watchdog
// that ends the run; every server and workerd is stopped at the end.

import http from "node:http";
import { readFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { startFakePassNinja } from "../tests/js/fake-passninja.mjs";
import { waitForPkg, httpRequest, pool, applyMigrations, ROOT, MODULES_RULES } from "../tests/worker/helpers.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 2000);
const IN_FLIGHT = 50;
const WARMUP = 500;
const WATCHDOG_MS = 10 * 60 * 1000;
const SECRET = "whsec_bench_5b2d4c6e8a0f7b1d";

const watchdog = setTimeout(() => {
  console.error(`bench/worker.mjs: still running after ${WATCHDOG_MS / 1000} s, giving up`);
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();

const version = (pkg) => JSON.parse(readFileSync(new URL(`node_modules/${pkg}/package.json`, `file://${ROOT}`), "utf8")).version;

/** A webhook body as a Klaviyo flow would template it: the person plus a few properties. */
function bodyFor(i) {
  return JSON.stringify({
    person: {
      external_id: `bench${i.toString(16).padStart(8, "0")}ab`,
      email: `user${i}@example.com`,
      phone_number: "+15005550006",
      first_name: "Ada",
      last_name: "Lovelace",
      properties: {
        loyalty_points: 1000 + (i % 5000),
        loyalty_tier: i % 2 ? "Gold" : "Silver",
        signup_source: "store",
        favourite_store: "Soho",
        birthday: "1815-12-10",
        marketing_opt_in: true,
      },
    },
    event: { points_earned: 25, order_id: `ORD-${i}` },
  });
}

async function startWorker(scriptPath, bindings, { ledger = false, name = "passbridge-ledger-bench" } = {}) {
  const stderr = [];
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: ROOT,
    modulesRules: MODULES_RULES,
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    bindings,
    // The delivery ledger: a local D1 (SQLite in workerd), migrated from migrations/.
    ...(ledger ? { d1Databases: { LEDGER: name } } : {}),
    // Drain the Worker's output (passbridge logs one line per request) so it
    // does not flood the report; keep the start of stderr for errors.
    handleRuntimeStdio(stdout, err) {
      stdout.resume();
      err.on("data", (d) => {
        if (stderr.length < 50) stderr.push(String(d));
      });
    },
  });
  const url = await mf.ready;
  if (ledger) await applyMigrations(await mf.getD1Database("LEDGER"));
  return { mf, port: Number(url.port), stderr };
}

/** One round: `count` requests, IN_FLIGHT at a time; returns wall time and latencies. */
async function round(target, count, offset) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const latencies = new Float64Array(count);
  const bad = [];
  const started = performance.now();
  try {
    await pool(count, IN_FLIGHT, async (k) => {
      const body = bodyFor(offset + k);
      const headers = {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        authorization: `Bearer ${SECRET}`,
        "x-klaviyo-flow-id": "01BENCHFLOW",
      };
      try {
        const a = await httpRequest(agent, target.port, { path: "/passninja/update", headers, body });
        latencies[k] = a.ms;
        if (a.status !== 200 || !a.text.startsWith('{"updated":true')) bad.push(`${a.status} ${a.text.slice(0, 200)}`);
      } catch (e) {
        latencies[k] = NaN;
        bad.push(e.message);
      }
    });
  } finally {
    agent.destroy();
  }
  const wallMs = performance.now() - started;
  if (bad.length) throw new Error(`${target.name}: ${bad.length} of ${count} requests failed, e.g. ${bad[0]}\n${target.stderr.join("")}`);
  return { wallMs, latencies };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let fake;
const targets = [];
try {
  await waitForPkg();
  fake = await startFakePassNinja();
  const bindings = { ...fake.env(), PASSBRIDGE_WEBHOOK_SECRET: SECRET, PASSBRIDGE_DRY_RUN: "0" };
  targets.push({ name: "passbridge (js/worker.mjs + wasm), no ledger", ...(await startWorker("js/worker.mjs", { ...bindings, PASSBRIDGE_LEDGER: "off" })) });
  targets.push({ name: "plain JS, seed 000's job (bench/plain-worker.mjs)", ...(await startWorker("bench/plain-worker.mjs", bindings)) });
  // Every webhook of the run is a new delivery: one claim batch and one finish batch on D1 each.
  targets.push({
    name: "passbridge with the delivery ledger (PASSBRIDGE_LEDGER=all, local D1)",
    ...(await startWorker("js/worker.mjs", { ...bindings, PASSBRIDGE_LEDGER: "all" }, { ledger: true })),
  });
  // The default (PASSBRIDGE_LEDGER unset = auto): since issue 15 every update is recorded
  // and ordered per pass (the claim checks the pass's mark, the finish moves it).
  targets.push({
    name: "passbridge with the ledger in its default mode (auto: ordered per pass, local D1)",
    ...(await startWorker("js/worker.mjs", bindings, { ledger: true, name: "passbridge-ledger-bench-auto" })),
  });

  // Both must send the same PATCH before timing means anything.
  const sent = [];
  for (const t of targets) {
    fake.reset();
    await round(t, 1, 7);
    if (fake.requests.length !== 1) throw new Error(`${t.name}: ${fake.requests.length} upstream requests for one webhook`);
    const r = fake.requests[0];
    sent.push(JSON.stringify([r.method, r.url, r.headers["x-api-key"], r.headers["x-account-id"], r.headers["content-type"], r.json]));
  }
  if (new Set(sent).size !== 1) throw new Error(`the Workers disagree on the upstream request:\n${sent.join("\n")}`);

  for (const t of targets) await round(t, WARMUP, 0);

  const results = targets.map(() => ({ rps: [], latencies: [] }));
  // Measured webhooks never repeat a warm-up one (with the ledger, a repeat would be a replay).
  let offset = 1_000_000;
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which Worker goes first so neither always runs on a warmer machine.
    const order = r % 2 === 0 ? [0, 1, 2, 3] : [3, 2, 1, 0];
    for (const i of order) {
      fake.reset();
      const { wallMs, latencies } = await round(targets[i], PER_ROUND, offset);
      offset += PER_ROUND;
      if (fake.requests.length !== PER_ROUND) {
        throw new Error(`${targets[i].name}: ${fake.requests.length} PATCHes for ${PER_ROUND} webhooks`);
      }
      results[i].rps.push((PER_ROUND * 1000) / wallMs);
      results[i].latencies.push(...latencies);
    }
  }

  const rows = targets.map((t, i) => {
    const sorted = Float64Array.from(results[i].latencies).sort();
    return {
      name: t.name,
      rps: median(results[i].rps),
      rpsMin: Math.min(...results[i].rps),
      rpsMax: Math.max(...results[i].rps),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
    };
  });

  const f0 = (x) => x.toFixed(0);
  const f1 = (x) => x.toFixed(1);
  console.log(`## Cloudflare Worker: passbridge vs plain JavaScript (seed 000's job)\n`);
  console.log(
    `Both Workers in workerd through Miniflare ${version("miniflare")} on Node ${process.version}, ` +
      `driven over HTTP on 127.0.0.1: ${ROUNDS} rounds × ${PER_ROUND} webhooks per Worker, ${IN_FLIGHT} in flight, ` +
      `interleaved, after ${WARMUP} warm-up requests each. Every webhook is valid and causes one PATCH to a fake ` +
      `PassNinja API on 127.0.0.1 that answers 200 at once (load generator and fake share one Node process).\n`,
  );
  console.log("| Worker | requests/s (median of rounds) | range over rounds | p50 latency (ms) | p99 latency (ms) |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.name} | ${f0(r.rps)} | ${f0(r.rpsMin)}–${f0(r.rpsMax)} | ${f1(r.p50)} | ${f1(r.p99)} |`);
  console.log(
    `\nRatio passbridge / plain: ${(rows[0].rps / rows[1].rps).toFixed(2)}× the throughput, ` +
      `p50 ${(rows[0].p50 / rows[1].p50).toFixed(2)}×, p99 ${(rows[0].p99 / rows[1].p99).toFixed(2)}×.`,
  );
  console.log(
    `Ledger / no ledger: ${(rows[2].rps / rows[0].rps).toFixed(2)}× the throughput, ` +
      `p50 ${(rows[2].p50 / rows[0].p50).toFixed(2)}×, p99 ${(rows[2].p99 / rows[0].p99).toFixed(2)}× ` +
      `(local D1 is SQLite inside workerd: the real D1 adds a network round trip per batch, two batches per delivery).`,
  );
  console.log(
    `Default ledger (auto, ordered) / no ledger: ${(rows[3].rps / rows[0].rps).toFixed(2)}× the throughput, ` +
      `p50 ${(rows[3].p50 / rows[0].p50).toFixed(2)}×, p99 ${(rows[3].p99 / rows[0].p99).toFixed(2)}×.`,
  );
  console.log(
    `passbridge also checks media type and size, reads JSON:API profiles, renders the mapping templates, ` +
      `encodes the serial, retries within its budget and logs one JSON line per request; the plain Worker does none of that.`,
  );
  console.log(`\nCommand: \`make bench\` (this part: \`node bench/worker.mjs\`; BENCH_ROUNDS / BENCH_REQUESTS override the load).`);
} finally {
  for (const t of targets) await t.mf.dispose().catch(() => {});
  await fake?.stop();
  clearTimeout(watchdog);
}
