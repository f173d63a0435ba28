// `passbridge sync` end to end against local fakes, pacing off (--rate 0):
// profiles per second, and the peak memory (RSS) of the sync process for a
// 10,000- and a 100,000-profile segment (flat: it must not grow with the
// segment). The fake provider answers at once with keep-alive, so what is
// measured is the sync's own cost; a --dry-run row shows it without the
// provider's HTTP (Klaviyo pages + the handler's planning + NDJSON out).
//   node bench/sync.mjs [profiles…]
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { startFakeKlaviyo, makeProfiles } from "../tests/sync/fake-klaviyo.mjs";

const BIN = new URL("../bin/passbridge.mjs", import.meta.url).pathname;
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const runs = sizes.length ? sizes : [10_000, 100_000];

// The fastest honest provider: PassNinja's PATCH answered 200 at once.
const provider = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end("{}");
  });
});
provider.keepAliveTimeout = 5000;
await new Promise((r) => provider.listen(0, "127.0.0.1", r));
const providerUrl = `http://127.0.0.1:${provider.address().port}`;

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

console.log("| run | profiles | wall time | profiles/s | peak RSS of the sync process |");
console.log("|---|---|---|---|---|");
const plan = [...runs.map((n) => [n, false]), [runs[runs.length - 1], true]];
for (const [n, dry] of plan) {
  const klaviyo = await startFakeKlaviyo({ segments: { S1: makeProfiles(n) }, limits: { burst: 10_000, steady: 1_000_000 } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "passbridge-bench-"));
  const env = {
    PATH: process.env.PATH,
    ...klaviyo.env(),
    PASSNINJA_API_KEY: "sk_bench_0123456789abcdef",
    PASSNINJA_ACCOUNT_ID: "aid_0x1a2b3c",
    PASSNINJA_TEMPLATE_ID: "ptk_0x4d5e6f",
    PASSNINJA_BASE_URL: providerUrl,
    PASSBRIDGE_FIELDS: JSON.stringify({ "points-balance": "{{ person.properties.points }}" }),
  };
  const t = performance.now();
  const child = spawn(process.execPath, [BIN, "sync", "--segment", "S1", "--operation", "update", "--rate", "0", "--concurrency", "32", ...(dry ? ["--dry-run"] : [])], { env, cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(child.pid))), 100);
  const code = await new Promise((r) => child.on("close", r));
  clearInterval(sampler);
  const ms = performance.now() - t;
  if (code !== 0) throw new Error(`sync exited ${code}: ${stderr}`);
  console.log(`| ${dry ? "--dry-run (no provider HTTP)" : "update, provider answering at once"} | ${n.toLocaleString("en")} | ${(ms / 1000).toFixed(1)} s | ${Math.round((n * 1000) / ms)} | ${(peak / 1024).toFixed(0)} MB |`);
  await klaviyo.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
provider.close();
provider.closeAllConnections?.();
