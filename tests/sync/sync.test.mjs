// `passbridge sync` end to end: a 10,000-profile segment read in pages of 100
// from a fake Klaviyo with RateLimit-* headers, injected 429s and 500s, into a
// fake PassNinja with injected 429/5xx; every profile once, windows respected,
// no 429 retried before its Retry-After.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { startFakeKlaviyo, makeProfiles, KEY } from "./fake-klaviyo.mjs";
import { startFakePassNinja, DEFAULT_API_KEY } from "../js/fake-passninja.mjs";
import { run, tempDir, readJson, perWindow } from "./helpers.mjs";

const FIELDS = JSON.stringify({ "points-balance": "{{ person.properties.points }}" });
const limits = { burst: 75, steady: 40, steadyWindowMs: 2000 };
const klaviyo = await startFakeKlaviyo({ segments: { S1: makeProfiles(10_000) }, limits });
const passninja = await startFakePassNinja();
after(() => Promise.all([klaviyo.stop(), passninja.stop()]));

test("a 10,000-profile segment: every profile once, Klaviyo's windows and every Retry-After respected", async () => {
  klaviyo.inject("page", 5, { status: 429, retryAfter: 1 });
  klaviyo.inject("page", 12, { status: 500 });
  // The provider: a 429 (Retry-After 1 s), a 503, a 502 and a request that never
  // answers (a timeout: the 3 s budget) among the first answers.
  passninja.script("ok", "ok", { status: 429, retryAfter: 1 }, "ok", 503, "ok", 502, "ok", "hang");
  const dir = tempDir();
  const report = path.join(dir, "report.json");
  const r = await run(
    ["--segment", "S1", "--provider", "passninja", "--operation", "update", "--rate", "0", "--concurrency", "16", "--report", report],
    { env: { ...klaviyo.env(), ...passninja.env(), PASSBRIDGE_FIELDS: FIELDS, PASSBRIDGE_BUDGET_MS: "3000" }, cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "", "stdout holds only a dry run's NDJSON");

  // Every profile updated exactly once (a retried one: once successfully).
  const ok = new Map();
  for (const q of passninja.requests) if (q.answer === "route") ok.set(q.path, (ok.get(q.path) ?? 0) + 1);
  assert.equal(ok.size, 10_000);
  assert.ok([...ok.values()].every((n) => n === 1));
  const rep = readJson(report);
  assert.equal(rep.source, "segment:S1");
  assert.equal(rep.operation, "passninja/update");
  assert.equal(rep.counts.updated, 10_000);
  assert.equal(rep.profiles.length, 10_000);
  assert.equal(new Set(rep.profiles.map((p) => p.id)).size, 10_000);
  assert.deepEqual(rep.profiles[0], { id: "P000001", outcome: "updated", code: null });

  // Klaviyo: 100 pages, each window within its limit, no 429 the limits produced.
  const pages = klaviyo.requests.filter((q) => q.kind === "page");
  assert.equal(pages.filter((q) => q.status === 200).length, 100);
  assert.equal(klaviyo.violations.length, 0, "the run stayed within the steady window the headers announced");
  assert.ok(perWindow(pages.map((q) => q.at), 1000) <= limits.burst);
  assert.ok(perWindow(pages.map((q) => q.at), limits.steadyWindowMs) <= limits.steady);
  for (const q of pages.filter((q) => q.rec?.injected || q.injected)) {
    const next = pages[pages.indexOf(q) + 1];
    if (q.status === 429) assert.ok(next.at - q.at >= 1000, `429 retried after ${next.at - q.at} ms`);
    else assert.ok(next.at - q.at >= 900, "a 500 waits a backoff");
  }
  // page[size]=100 on the first page, then links.next as given (its page[cursor]).
  const query = (q) => new URL(q.url, "http://fake").searchParams;
  assert.ok(pages.every((q) => query(q).get("page[size]") === "100"), "page[size]=100");
  assert.equal(query(pages[0]).get("page[cursor]"), null);
  assert.ok(pages.filter((q) => q.status === 200).slice(1).every((q) => query(q).get("page[cursor]") !== null), "links.next followed");
  assert.ok(pages.every((q) => q.headers.revision === "2026-10-15"));
  assert.ok(pages.every((q) => q.headers.authorization === `Klaviyo-API-Key ${KEY}`));

  // The provider's 429 paused every request to it for its Retry-After.
  // Only the (at most concurrency − 1) requests already on their way when it
  // was answered may arrive within its Retry-After.
  const t429 = passninja.requests.find((q) => q.answer?.status === 429).receivedAt;
  const during = passninja.requests.filter((q) => q.receivedAt > t429 && q.receivedAt < t429 + 990);
  assert.ok(during.length <= 15, `${during.length} requests within the Retry-After`);
  assert.ok(passninja.requests.some((q) => q.receivedAt >= t429 + 990));
  assert.ok(!r.stderr.includes(DEFAULT_API_KEY) && !r.stderr.includes(KEY));
});
