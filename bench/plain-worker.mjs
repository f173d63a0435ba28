// Seed 000's job as a plain-JavaScript Cloudflare Worker: the baseline that
// bench/worker.mjs measures passbridge's Worker (js/worker.mjs) against.
//
// Same bindings as passbridge's Worker. It does what seed 000's code block did,
// behind the same kind of door: Bearer check, guard on person.external_id,
// PATCH {"pass": {points-balance, loyalty-tier}} to PassNinja, then
// 200 {updated:true,status} / 503 + Retry-After (429, 5xx, network) / 422 (other 4xx).
// No body size limit, no JSON:API profiles, no mapping language, no retries,
// no log line, and the serial goes into the path as given (as in seed 000).

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  });

/** Compares in time that depends only on the lengths. */
function sameText(a, b) {
  let diff = a.length === b.length ? 0 : 1;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname !== "/passninja/update") return json(404, { error: "not found" });
    if (request.method !== "POST") return json(405, { error: "use POST" }, { Allow: "POST" });
    const secret = env.PASSBRIDGE_WEBHOOK_SECRET;
    if (!secret || !sameText(request.headers.get("authorization") ?? "", `Bearer ${secret}`)) {
      return json(401, { error: "unauthorized" });
    }
    let body;
    try {
      body = await request.json();
    } catch {
      return json(400, { error: "invalid JSON" });
    }
    const person = body?.person ?? {};
    const serial = person.external_id;
    if (!serial) return json(200, { skipped: true, reason: "no active pass" });
    const properties = person.properties ?? {};

    let res;
    try {
      res = await fetch(`${env.PASSNINJA_BASE_URL}/v1/passes/${env.PASSNINJA_TEMPLATE_ID}/${serial}`, {
        method: "PATCH",
        headers: {
          "X-API-KEY": env.PASSNINJA_API_KEY,
          "X-ACCOUNT-ID": env.PASSNINJA_ACCOUNT_ID,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          pass: {
            "points-balance": String(properties.loyalty_points ?? 0),
            "loyalty-tier": properties.loyalty_tier ?? "Standard",
          },
        }),
      });
    } catch (e) {
      return json(503, { error: `PassNinja error: ${e.message}` }, { "Retry-After": "30" });
    }
    const text = await res.text();
    if (res.ok) return json(200, { updated: true, status: res.status });
    if (res.status === 429 || res.status >= 500) {
      return json(503, { error: `PassNinja error: ${res.status}` }, { "Retry-After": res.headers.get("retry-after") ?? "30" });
    }
    return json(422, { error: `PassNinja error: ${res.status} ${text.slice(0, 300)}`, upstreamStatus: res.status });
  },
};
