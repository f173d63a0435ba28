// Compiled by `tsc --noEmit` in `make test`: the declared API of the JS doors
// (js/klaviyo.d.ts) must accept what the README shows and reject what it forbids.
import handler, { createHandler, type PassbridgeError, type Result } from "../../js/klaviyo.js";

const h = createHandler({
  provider: "jericommerce",
  operation: "balance",
  delta: "{{ event.points }}",
  reason: "Bonus",
  env: { JERICOMMERCE_API_KEY: "k", JERICOMMERCE_PROGRAM_SLUG: "club" },
  fetch: (url, init) => fetch(url, init),
  dryRun: true,
  budgetMs: 3000,
});

async function use(): Promise<string> {
  const r: Result = await h(null, { data: { attributes: { email: "a@example.com" } } }, {});
  if ("skipped" in r) return r.reason;
  if ("dryRun" in r) return r.request.url;
  try {
    await handler(null, {}, {});
  } catch (e) {
    const err = e as PassbridgeError;
    if (err.retryable && err.code === "network") return String(err.status);
  }
  return "ok";
}
void use;

// @ts-expect-error: unknown provider
createHandler({ provider: "acme" });
// @ts-expect-error: fields are templates (strings)
createHandler({ fields: { points: 5 } });
