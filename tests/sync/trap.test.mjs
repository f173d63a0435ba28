// A wasm trap in one profile's handler call costs that profile alone: it is
// `failed` with `internal_error` (an idempotent update) and the run goes on,
// because the run's own state (class Sync) lives on a wasm instance of its
// own, not on the handler's instance the trap retires (docs/traps.md).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startFakePassNinja } from "../js/fake-passninja.mjs";
import { BIN, tempDir, readJson } from "./helpers.mjs";

const PRELOAD = new URL("./trap-preload.mjs", import.meta.url).href;
const passninja = await startFakePassNinja();
after(() => passninja.stop());

function runWithTrap(args, env, cwd) {
  const child = spawn(process.execPath, ["--import", PRELOAD, BIN, "sync", ...args], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

test("a trap in one profile's handler call: that profile failed internal_error, every other one updated", async () => {
  const dir = tempDir();
  const serials = ["S1", "S2", "TRAP3", "S4", "S5", "S6", "S7", "S8"];
  const lines = serials.map((s, i) => JSON.stringify({ external_id: s, properties: { points: i + 1 } }));
  fs.writeFileSync(path.join(dir, "people.jsonl"), lines.join("\n") + "\n");
  const env = { ...passninja.env(), PASSBRIDGE_FIELDS: JSON.stringify({ "points-balance": "{{ person.properties.points }}" }) };
  const r = await runWithTrap(["--profiles", "people.jsonl", "--provider", "passninja", "--operation", "update", "--rate", "0", "--concurrency", "1", "--report", "r.json"], env, dir);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.signal, null);
  const rep = readJson(path.join(dir, "r.json"));
  assert.deepEqual(rep.profiles.find((p) => p.id === "3"), { id: "3", outcome: "failed", code: "internal_error" });
  assert.equal(rep.counts.updated, 7, JSON.stringify(rep));
  assert.equal(rep.counts.failed, 1);
  assert.equal(rep.profiles.length, 8);
  // Every profile after the trap reached the provider, once.
  const sent = passninja.requests.map((q) => q.path).filter((u) => /\/S[4-8]$/.test(u));
  assert.equal(sent.length, 5, JSON.stringify(passninja.requests.map((q) => q.path)));
  assert.ok(!r.stderr.includes(env.PASSNINJA_API_KEY));
  assert.match(r.stderr, /code internal_error\s+1/);
});
