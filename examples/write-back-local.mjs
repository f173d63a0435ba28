// The write-back story on your machine: a fake PassNinja and a fake Klaviyo
// API on 127.0.0.1 (the same fakes the tests use), for `make dev` to call.
// See docs/write-back.md "Try it locally". Stop with Ctrl-C.
//
//   node examples/write-back-local.mjs
//   # append the printed lines to .dev.vars, then in another terminal: make dev
//
// Every request the fakes receive is printed (method, path, status; the
// profile-import body too), so you can watch one create and its write-back.
import { startFakePassNinja } from "../tests/js/fake-passninja.mjs";
import { startFakeKlaviyo } from "../tests/sync/fake-klaviyo.mjs";

// The credentials of .dev.vars.example and worker.toml [env.dev.vars].
const KLAVIYO_KEY = "dev-klaviyo-key-not-real";
const pn = await startFakePassNinja({ apiKey: "dev-api-key-not-real", accountId: "aid_0x3f2a", templateId: "ptk_0x1b7e" });
// `KLAVIYO_FAIL=429` (or 500, 400, 401…) makes the next profile import fail once.
const fail = Number(process.env.KLAVIYO_FAIL ?? 0);
const k = await startFakeKlaviyo({ key: KLAVIYO_KEY });
if (fail) k.inject("import", 1, { status: fail, retryAfter: fail === 429 ? 5 : undefined });

console.log("Append to .dev.vars (then run make dev):\n");
console.log("PASSBRIDGE_DRY_RUN=0");
console.log(`PASSNINJA_BASE_URL=${pn.url}`);
console.log(`KLAVIYO_PRIVATE_KEY=${KLAVIYO_KEY}`);
console.log(`KLAVIYO_BASE_URL=${k.url}\n`);

let seen = { pn: 0, k: 0 };
const timer = setInterval(() => {
  for (const r of pn.requests.slice(seen.pn)) console.log(`PassNinja ← ${r.method} ${r.path} ${r.body}`);
  for (const r of k.requests.slice(seen.k)) console.log(`Klaviyo   ← ${r.method} ${r.url} → ${r.status} ${r.json ? JSON.stringify(r.json) : ""}`);
  seen = { pn: pn.requests.length, k: k.requests.length };
}, 200);

process.on("SIGINT", async () => {
  clearInterval(timer);
  await Promise.all([pn.stop(), k.stop()]);
  process.exit(0);
});
