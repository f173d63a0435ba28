// The ordering story (issue 15) on your machine: a fake PassNinja on
// 127.0.0.1 (the one the tests use) whose FIRST update answers 503, for
// `make dev` to call. See docs/ledger.md "Try ordering locally". Ctrl-C stops it.
//
//   node examples/ordering-local.mjs
//   # append the printed lines to .dev.vars, then in another terminal: make dev
//
// Every request the fake receives is printed (method, path, the pass values it
// now holds), so you can watch E1 reach it once and the pass end at E2's values.
import { startFakePassNinja } from "../tests/js/fake-passninja.mjs";

// The credentials of .dev.vars.example and worker.toml [env.dev.vars].
const pn = await startFakePassNinja({ apiKey: "dev-api-key-not-real", accountId: "aid_0x3f2a", templateId: "ptk_0x1b7e" });
pn.script({ status: 503 }, "ok");

console.log("Append to .dev.vars (then run make dev):\n");
console.log("PASSBRIDGE_DRY_RUN=0");
console.log(`PASSNINJA_BASE_URL=${pn.url}\n`);

let seen = 0;
const timer = setInterval(() => {
  for (const r of pn.requests.slice(seen)) {
    const pass = pn.passes.get(`ptk_0x1b7e/${r.path.split("/").pop()}`);
    console.log(`PassNinja ← ${r.method} ${r.path} ${r.body}; the pass now: ${JSON.stringify(pass?.pass ?? null)}`);
  }
  seen = pn.requests.length;
}, 200);

process.on("SIGINT", async () => {
  clearInterval(timer);
  await pn.stop();
  process.exit(0);
});
