// make demo: runs the Code action handler in dry run on two bundled sample
// profiles (one with a pass, one without) and prints what it would send.
// The request text comes from the core (src/playground/shown.rs): the playground
// page (dist/playground.html) prints the same bytes for the same inputs.
import { readFileSync } from "node:fs";
import { createHandler } from "../dist/klaviyo-code-action.mjs";
import { initSync, resultText } from "../pkg/playground/passbridge.js";

initSync({ module: readFileSync(new URL("../pkg/playground/passbridge_bg.wasm", import.meta.url)) });

const load = (name) => JSON.parse(readFileSync(new URL(`../examples/${name}`, import.meta.url), "utf8"));

// Demo credentials: dry run sends nothing, and the key is shown as ***.
const env = {
  PASSNINJA_API_KEY: "demo-key-not-real",
  PASSNINJA_ACCOUNT_ID: "aid_0x3f2a",
  PASSNINJA_TEMPLATE_ID: "ptk_0x1b7e",
};
const handler = createHandler({ env, dryRun: true });

for (const name of ["profile-with-pass.json", "profile-without-pass.json"]) {
  const profile = load(name);
  let result;
  try {
    result = await handler(null, profile, { company_id: "demo" });
  } catch (error) {
    result = error;
  }
  console.log(`\n# ${name}`);
  console.log(resultText(result));
  if (!(result instanceof Error)) console.log(`\nresult: ${JSON.stringify(result.dryRun ? { dryRun: true } : result)}`);
}
