// `passbridge sync`'s answers to what goes wrong, and its other modes: bad
// key, unknown segment, empty segment, a profile breaking the mapping,
// checkpoints of another run, dry run, --profiles, write-back, timeouts.
import { test, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import { startFakeKlaviyo, makeProfiles, KEY } from "./fake-klaviyo.mjs";
import { startFakePassNinja, DEFAULT_API_KEY } from "../js/fake-passninja.mjs";
import { run, tempDir, readJson } from "./helpers.mjs";

const FIELDS = JSON.stringify({ "points-balance": "{{ person.properties.points }}" });
const profiles = makeProfiles(30);
profiles[4].attributes.properties.points = [1, 2]; // a list where text is needed
const fresh = makeProfiles(5, { prefix: "N", attrs: () => ({ external_id: null }) });
const klaviyo = await startFakeKlaviyo({
  segments: { S1: profiles, EMPTY: [], NEW: fresh },
  lists: { L1: profiles.slice(0, 3) },
  importStatus: (json) => (json.data.id === "N000003" ? 400 : 0),
});
const passninja = await startFakePassNinja();
after(() => Promise.all([klaviyo.stop(), passninja.stop()]));
beforeEach(() => passninja.reset());

const env = (extra = {}) => ({ ...klaviyo.env(), ...passninja.env(), PASSBRIDGE_FIELDS: FIELDS, ...extra });
const update = ["--provider", "passninja", "--operation", "update", "--rate", "0"];

test("a wrong Klaviyo key is a configuration error (exit 2) that never shows the key", async () => {
  const dir = tempDir();
  const r = await run(["--segment", "S1", ...update], { env: env({ KLAVIYO_PRIVATE_KEY: "pk_wrong_0123456789abcdef" }), cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Klaviyo error: 401: Klaviyo refused KLAVIYO_PRIVATE_KEY/);
  assert.ok(!r.stderr.includes("pk_wrong_0123456789abcdef"));
  assert.equal(passninja.requests.length, 0);
  assert.ok(!fs.existsSync(path.join(dir, ".passbridge", "segment-S1--passninja-update.jsonl")), "no checkpoint left behind");
});

test("an unknown segment is exit 2; an empty one is exit 0 with an empty report", async () => {
  let r = await run(["--segment", "NOPE", ...update], { env: env(), cwd: tempDir() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /404: Klaviyo has no segment NOPE/);
  const dir = tempDir();
  r = await run(["--segment", "EMPTY", ...update, "--report", "r.json"], { env: env(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const rep = readJson(path.join(dir, "r.json"));
  assert.deepEqual(rep.profiles, []);
  assert.equal(rep.source, "segment:EMPTY");
  assert.ok(Object.values(rep.counts).every((n) => n === 0));
});

test("a profile breaking the mapping is failed in the report; the run goes on (exit 1)", async () => {
  const dir = tempDir();
  const r = await run(["--list", "L1", ...update, "--report", "r.json"], { env: env(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const r2 = await run(["--segment", "S1", ...update, "--report", "r.json"], { env: env(), cwd: dir });
  assert.equal(r2.code, 1, r2.stderr);
  const rep = readJson(path.join(dir, "r.json"));
  assert.equal(rep.counts.updated, 29);
  assert.equal(rep.counts.failed, 1);
  assert.deepEqual(rep.profiles.find((p) => p.id === "P000005"), { id: "P000005", outcome: "failed", code: "invalid_profile" });
  assert.match(r2.stderr, /code invalid_profile\s+1/);
});

test("checkpoints: another run's is refused, --resume needs one, an existing one needs --resume or --restart", async () => {
  const dir = tempDir();
  const cp = ["--checkpoint", "cp.jsonl"];
  let r = await run(["--segment", "S1", ...update, ...cp, "--resume"], { env: env(), cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--resume: no checkpoint at cp\.jsonl/);
  r = await run(["--list", "L1", ...update, ...cp], { env: env(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  r = await run(["--list", "L1", ...update, ...cp], { env: env(), cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /a checkpoint exists at cp\.jsonl: give --resume to continue it or --restart/);
  r = await run(["--segment", "S1", ...update, ...cp, "--resume"], { env: env(), cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the checkpoint is of another run \(list:L1, passninja\/update\)/);
  r = await run(["--list", "L1", ...update, ...cp, "--resume"], { env: env({ PASSBRIDGE_FIELDS: "{}" }), cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /another mapping/);
  const before = passninja.requests.length;
  r = await run(["--list", "L1", ...update, ...cp, "--resume"], { env: env(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(passninja.requests.length, before, "a finished run resumed sends nothing");
  r = await run(["--list", "L1", ...update, ...cp, "--restart"], { env: env(), cwd: dir });
  assert.equal(r.code, 0);
  assert.equal(passninja.requests.length, before + 3);
});

test("--dry-run prints each planned request as NDJSON (key ***), sends nothing, exits 0", async () => {
  const dir = tempDir();
  const r = await run(["--segment", "S1", ...update, "--dry-run", "--limit", "3"], { env: env(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(passninja.requests.length, 0);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.equal(lines[0].id, "P000001");
  assert.equal(lines[0].request.method, "PATCH");
  assert.equal(lines[0].request.headers["X-API-KEY"], "***");
  assert.ok(!r.stdout.includes(DEFAULT_API_KEY) && !r.stderr.includes(DEFAULT_API_KEY));
  assert.ok(!fs.existsSync(path.join(dir, ".passbridge")), "a dry run writes no checkpoint");
  const out = path.join(dir, "plan.ndjson");
  const r2 = await run(["--segment", "S1", ...update, "--dry-run", "--limit", "2", "--out", out], { env: env(), cwd: dir });
  assert.equal(r2.stdout, "");
  assert.equal(fs.readFileSync(out, "utf8").trim().split("\n").length, 2);
});

test("--profiles: ids are line numbers; a line that is not a profile is failed", async () => {
  const dir = tempDir();
  const file = path.join(dir, "people.jsonl");
  fs.writeFileSync(file, [JSON.stringify({ data: profiles[0] }), "not json", "", JSON.stringify({ external_id: "S9", properties: { points: 9 } })].join("\n") + "\n");
  const noKlaviyo = env();
  delete noKlaviyo.KLAVIYO_PRIVATE_KEY;
  const r = await run(["--profiles", file, ...update, "--report", "r.json"], { env: noKlaviyo, cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const rep = readJson(path.join(dir, "r.json"));
  assert.equal(rep.source, `file:${file}`);
  assert.deepEqual(rep.profiles.sort((a, b) => a.id - b.id), [
    { id: "1", outcome: "updated", code: null },
    { id: "2", outcome: "failed", code: "invalid_profile" },
    { id: "4", outcome: "updated", code: null },
  ]);
  assert.deepEqual(passninja.requests.map((q) => q.segments[4]).sort(), ["S9", "SER1"]);
  assert.match(r.stderr, /line 2: invalid_profile: the line is not JSON/, "the malformed line is reported on stderr");
  assert.ok(!fs.readFileSync(path.join(dir, "r.json"), "utf8").includes("@example.com"), "no e-mail without --report-emails");

  // Again from an --env-file (nothing but PATH in the environment), with
  // --report-emails, and --rate as a bare number (n/s).
  const envFile = path.join(dir, "sync.env");
  fs.writeFileSync(envFile, ["# the Code action's variables", ...Object.entries(noKlaviyo).map(([k, v]) => `${k}='${v}'`)].join("\n") + "\n");
  const r2 = await run(["--profiles", file, "--provider", "passninja", "--operation", "update", "--rate", "50", "--env-file", envFile, "--restart", "--report", "r2.json", "--report-emails"], { cwd: dir });
  assert.equal(r2.code, 1, r2.stderr);
  assert.deepEqual(readJson(path.join(dir, "r2.json")).profiles.sort((a, b) => a.id - b.id), [
    { id: "1", outcome: "updated", code: null, email: "p1@example.com" },
    { id: "2", outcome: "failed", code: "invalid_profile", email: null },
    { id: "4", outcome: "updated", code: null, email: null },
  ]);
  assert.ok(!r2.stderr.includes(DEFAULT_API_KEY));
});

test("create + --write-back leaves each profile with its serial and pass URL; a refused write-back is failed", async () => {
  const dir = tempDir();
  klaviyo.imports.length = 0;
  const r = await run(["--segment", "NEW", "--provider", "passninja", "--operation", "create", "--write-back", "--rate", "0", "--report", "r.json"], { env: env(), cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const posts = passninja.requests.filter((q) => q.method === "POST");
  assert.equal(posts.length, 5);
  assert.equal(klaviyo.imports.length, 4);
  const imp = klaviyo.imports.find((j) => j.data.id === "N000001");
  assert.equal(imp.data.type, "profile");
  assert.match(imp.data.attributes.external_id, /^[0-9a-f]{18}$/);
  assert.match(imp.data.attributes.properties.passbridge_pass_url, /^https?:\/\//);
  const rep = readJson(path.join(dir, "r.json"));
  assert.equal(rep.counts.created, 4);
  assert.deepEqual(rep.profiles.find((p) => p.id === "N000003"), { id: "N000003", outcome: "failed", code: "write_back_rejected" });
  const imports = klaviyo.requests.filter((q) => q.kind === "import");
  assert.ok(imports.every((q) => q.headers["content-type"] === "application/vnd.api+json" && q.headers.revision === "2026-10-15"));
  assert.ok(!r.stderr.includes(KEY));
});

test("a create refused for a wrong provider key: exit 2, no secret shown, and --resume with the right key creates every pass (none ambiguous)", async () => {
  const dir = tempDir();
  const args = ["--segment", "NEW", "--provider", "passninja", "--operation", "create", "--rate", "0", "--concurrency", "4", "--report", "r.json"];
  const wrong = "sk_wrong_0000000000000000";
  const r = await run(args, { env: env({ PASSNINJA_API_KEY: wrong }), cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /401/);
  assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong));
  const cp = fs.readFileSync(path.join(dir, ".passbridge", "segment-NEW--passninja-create.jsonl"), "utf8");
  assert.ok(!cp.includes(wrong) && !cp.includes(DEFAULT_API_KEY), "no key in the checkpoint");
  passninja.reset();
  const r2 = await run([...args, "--resume"], { env: env(), cwd: dir });
  assert.equal(r2.code, 0, r2.stderr);
  const rep = readJson(path.join(dir, "r.json"));
  assert.equal(rep.counts.created, 5, JSON.stringify(rep));
  assert.equal(rep.counts.ambiguous, 0);
  assert.equal(passninja.requests.filter((q) => q.method === "POST").length, 5);
});

test("a create that times out is ambiguous and never sent again, even on --resume", async () => {
  const dir = tempDir();
  passninja.script("ok", "hang");
  const args = ["--segment", "NEW", "--provider", "passninja", "--operation", "create", "--rate", "0", "--concurrency", "1", "--report", "r.json", "--checkpoint", "cp.jsonl"];
  const r = await run(args, { env: env({ PASSBRIDGE_BUDGET_MS: "2000" }), cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  let rep = readJson(path.join(dir, "r.json"));
  assert.deepEqual(rep.profiles.find((p) => p.id === "N000002"), { id: "N000002", outcome: "ambiguous", code: "network" });
  assert.equal(rep.counts.created, 4);
  const before = passninja.requests.length;
  const r2 = await run([...args, "--resume"], { env: env({ PASSBRIDGE_BUDGET_MS: "2000" }), cwd: dir });
  assert.equal(r2.code, 1);
  assert.equal(passninja.requests.length, before);
  rep = readJson(path.join(dir, "r.json"));
  assert.equal(rep.profiles.length, 5);
});

test("usage errors exit 2", async () => {
  for (const args of [[], ["--segment", "S1", "--list", "L1"], ["--segment", "S1", "--rate", "fast"], ["--segment", "S1", "--rate", "5/m"], ["--segment", "S1", "--concurrency", "4/s"], ["--segment", "S1", "--bogus"], ["--segment", "a/b", ...update]]) {
    const r = await run(args, { env: env(), cwd: tempDir() });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    if (args.includes("5/m")) assert.match(r.stderr, /--rate must be <n>\/s .*e\.g\. --rate 5\/s/);
  }
});
