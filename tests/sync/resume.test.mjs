// Killed with SIGKILL at random points and resumed each time: a create (and a
// JeriCommerce balance change) reaches the provider at most once per profile,
// and every profile ends created/updated, or listed ambiguous or failed.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import { startFakeKlaviyo, makeProfiles } from "./fake-klaviyo.mjs";
import { startFakePassNinja } from "../js/fake-passninja.mjs";
import { startFakeJeriCommerce } from "../js/fake-jericommerce.mjs";
import { start, run, tempDir, readJson } from "./helpers.mjs";

const N = 400;
// No external_id: nothing to skip; each profile named by its e-mail in the pass.
const profiles = makeProfiles(N, { attrs: () => ({ external_id: null }) });
const klaviyo = await startFakeKlaviyo({ segments: { S1: profiles }, limits: { burst: 75, steady: 1000 } });
const passninja = await startFakePassNinja();
const jeri = await startFakeJeriCommerce();
after(() => Promise.all([klaviyo.stop(), passninja.stop(), jeri.stop()]));

// A seeded generator: the kill points differ per attempt, the same each run.
let seed = 17;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

async function killAndResume(args, env, dir) {
  const report = path.join(dir, "report.json");
  let kills = 0;
  let first = true;
  for (let round = 0; round < 12; round++) {
    const p = start([...args, ...(first ? [] : ["--resume"]), "--report", report], { env, cwd: dir });
    first = false;
    const timer = round < 5 ? setTimeout(() => p.child.kill("SIGKILL"), 250 + Math.floor(random() * 900)) : null;
    const r = await p.done;
    clearTimeout(timer);
    if (r.signal === "SIGKILL") {
      kills++;
      continue;
    }
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    return { report: readJson(report), kills, code: r.code };
  }
  assert.fail("the run did not finish");
}

function checkReport(rep, sentPerProfile, doneOutcome) {
  assert.equal(rep.profiles.length, N, "every profile listed once");
  assert.equal(new Set(rep.profiles.map((p) => p.id)).size, N);
  for (const p of rep.profiles) {
    const sent = sentPerProfile.get(p.id) ?? 0;
    assert.ok(sent <= 1, `${p.id} sent ${sent} times`);
    if (p.outcome === doneOutcome) assert.equal(sent, 1, `${p.id} is ${doneOutcome} but was sent ${sent} times`);
    else assert.ok(["ambiguous", "failed"].includes(p.outcome), `${p.id}: ${p.outcome}`);
  }
}

const idByEmail = new Map(profiles.map((p) => [p.attributes.email, p.id]));

test("PassNinja create: SIGKILL at random points, then --resume: every pass created at most once", async () => {
  const dir = tempDir();
  const env = { ...klaviyo.env(), ...passninja.env(), PASSBRIDGE_FIELDS: JSON.stringify({ "points-balance": "{{ person.email }}" }) };
  const args = ["--segment", "S1", "--provider", "passninja", "--operation", "create", "--rate", "80", "--concurrency", "4"];
  const { report, kills } = await killAndResume(args, env, dir);
  assert.ok(kills >= 2, `killed ${kills} times`);
  const sent = new Map();
  for (const q of passninja.requests.filter((q) => q.method === "POST")) {
    const id = idByEmail.get(q.json.pass["points-balance"]);
    sent.set(id, (sent.get(id) ?? 0) + 1);
  }
  checkReport(report, sent, "created");
  assert.ok(report.counts.created > N / 2);
  for (const p of report.profiles.filter((p) => p.outcome === "ambiguous")) assert.equal(p.code, "network");
});

test("JeriCommerce balance: SIGKILL at random points, then --resume: every change applied at most once", async () => {
  const dir = tempDir();
  const env = { ...klaviyo.env(), ...jeri.env(), PASSBRIDGE_DELTA: "{{ person.properties.points }}", PASSBRIDGE_REASON: "migration" };
  const args = ["--segment", "S1", "--provider", "jericommerce", "--operation", "balance", "--rate", "80", "--concurrency", "4"];
  const { report, kills } = await killAndResume(args, env, dir);
  assert.ok(kills >= 2, `killed ${kills} times`);
  const sent = new Map();
  for (const q of jeri.requests.filter((q) => q.method === "POST")) {
    const id = idByEmail.get(q.json[0].email);
    sent.set(id, (sent.get(id) ?? 0) + 1);
  }
  checkReport(report, sent, "updated");
  assert.ok(fs.existsSync(path.join(dir, ".passbridge")));
});

test("Ctrl-C stops cleanly: in-flight requests finish, the checkpoint is flushed, --resume completes the run", async () => {
  const dir = tempDir();
  const env = { ...klaviyo.env(), ...passninja.env(), PASSBRIDGE_FIELDS: JSON.stringify({ "points-balance": "{{ person.email }}" }) };
  passninja.reset();
  const args = ["--segment", "S1", "--provider", "passninja", "--operation", "create", "--rate", "100", "--concurrency", "4", "--report", "r.json"];
  const p = start(args, { env, cwd: dir });
  setTimeout(() => p.child.kill("SIGINT"), 1200);
  const r = await p.done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /stopped; --resume continues from \.passbridge\/segment-S1--passninja-create\.jsonl/);
  assert.match(r.stderr, /created\s+\d+/);
  const first = readJson(path.join(dir, "r.json"));
  assert.equal(first.counts.ambiguous, 0, "nothing was left in flight");
  assert.ok(first.counts.created > 0 && first.counts.created < N);
  const r2 = await run([...args, "--resume"], { env, cwd: dir });
  assert.equal(r2.code, 0, r2.stderr);
  const rep = readJson(path.join(dir, "r.json"));
  assert.equal(rep.counts.created, N);
  assert.equal(passninja.requests.filter((q) => q.method === "POST").length, N);
});
