// D1 reads and writes per delivery (issue 15): each delivery kind once
// against js/worker.mjs (through bench/d1-meter.mjs, which counts what D1
// reports) on a local D1 migrated from migrations/, with the default
// PASSBRIDGE_LEDGER (auto) and the fake providers on 127.0.0.1. Prints a
// Markdown table for docs/ledger.md and BENCHMARKS.md. Bounded: a fixed
// list of requests; everything is stopped at the end.
//
// Rows read and written are D1's own counts (`meta.rows_read`,
// `meta.rows_written`, index entries included), which is what D1 bills.

import { Miniflare } from "miniflare";
import { startFakePassNinja } from "../tests/js/fake-passninja.mjs";
import { startFakeJeriCommerce } from "../tests/js/fake-jericommerce.mjs";
import { waitForPkg, applyMigrations, ROOT, MODULES_RULES } from "../tests/worker/helpers.mjs";

const SECRET = "whsec_bench_d1cost_3f2a";
const FILLER = Number(process.env.BENCH_D1_ROWS ?? 500);

await waitForPkg();
const pn = await startFakePassNinja();
const jc = await startFakeJeriCommerce();
let mf;
try {
  mf = new Miniflare({
    modules: true,
    scriptPath: "bench/d1-meter.mjs",
    modulesRoot: ROOT,
    modulesRules: MODULES_RULES,
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    bindings: { ...pn.env(), ...jc.env(), PASSBRIDGE_WEBHOOK_SECRET: SECRET, PASSBRIDGE_DELTA: "{{ event.points }}", PASSBRIDGE_REASON: "bench" },
    d1Databases: { LEDGER: "passbridge-ledger-d1-cost" },
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
  });
  const url = await mf.ready;
  await applyMigrations(await mf.getD1Database("LEDGER"));
  const call = async (path, json) => {
    const res = await mf.dispatchFetch(new URL(path, url), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
      body: JSON.stringify(json),
    });
    await res.text();
    return res.status;
  };
  const read = async () => (await mf.dispatchFetch(new URL("/__meter", url))).json();
  const update = (serial, points) => ({ person: { external_id: serial, properties: { loyalty_points: points } } });

  // A ledger that is not empty: index searches, not scans, must be what is counted.
  for (let i = 0; i < FILLER; i++) await call("/passninja/update", update(`filler-${i % 200}`, i));
  await read();

  const rows = [];
  const measure = async (what, steps) => {
    await read();
    const statuses = [];
    for (const [path, body] of steps) statuses.push(await call(path, body));
    const m = await read();
    rows.push({ what, statuses: statuses.join(", "), ...m });
  };
  await measure("update, new delivery, applied (claim + finish)", [["/passninja/update", update("s-new", 1)]]);
  await measure("update, a redelivery of an applied one (replay)", [["/passninja/update", update("s-new", 1)]]);
  pn.script({ status: 503, retryAfter: 60, headers: { Connection: "close" } });
  await measure("update, provider 503 (released, row kept)", [["/passninja/update", update("s-old", 1)]]);
  await measure("update, newer delivery of the same pass, applied", [["/passninja/update", update("s-old", 2)]]);
  await measure("update, the older one resent (superseded)", [["/passninja/update", update("s-old", 1)]]);
  await measure("update, superseded one resent again (replay)", [["/passninja/update", update("s-old", 1)]]);
  await measure("JeriCommerce balance, new delivery (not ordered)", [["/jericommerce/balance", { person: { email: "a@example.com" }, event: { points: 5 } }]]);

  console.log(`## D1 cost per delivery (default PASSBRIDGE_LEDGER=auto, local D1 with ${FILLER} deliveries already stored)\n`);
  console.log("| delivery | answer | D1 batches (round trips) | rows read | rows written |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.what} | ${r.statuses} | ${r.batches} | ${r.rowsRead} | ${r.rowsWritten} |`);
  console.log(`\nCommand: \`node bench/d1-cost.mjs\` (counts are D1's meta.rows_read / meta.rows_written, index entries included).`);
} finally {
  await mf?.dispose().catch(() => {});
  await pn.stop();
  await jc.stop();
}
