// make demo: runs the Code action handler in dry run on two bundled sample
// profiles (one with a pass, one without) and prints what it would send.
import { readFileSync } from "node:fs";
import { createHandler } from "../dist/klaviyo-code-action.mjs";

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
  const result = await handler(null, profile, { company_id: "demo" });
  console.log(`\n# ${name}`);
  if (result.dryRun) {
    const { method, url, headers, body } = result.request;
    console.log(`${method} ${url}`);
    for (const [k, v] of Object.entries(headers)) console.log(`${k}: ${v}`);
    console.log(`\n${body}`);
  }
  console.log(`\nresult: ${JSON.stringify(result.dryRun ? { dryRun: true } : result)}`);
}
