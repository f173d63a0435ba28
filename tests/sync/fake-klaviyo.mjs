// A fake Klaviyo API on 127.0.0.1 for `passbridge sync` tests (Node built-ins
// only), following docs/klaviyo.md §5:
//
//   GET  /api/segments/{id}/profiles, /api/lists/{id}/profiles
//        page[size] (1..100, else 400), page[cursor]; {"data":[…], "links":{"self","next"}}
//        with links.next an absolute URL on this server, null on the last page
//   GET  /api/segments/{id}?additional-fields[segment]=profile_count (and lists)
//   POST /api/profile-import   JSON:API profile; 201 (new: no id and unknown email) or 200
//   auth Authorization: Klaviyo-API-Key <key>, else 401 {"errors":[…]}; `revision` required (400)
//   unknown segment/list → 404 {"errors":[…]}
//   rate limits per endpoint group (fixed windows): `burst` per second and `steady` per
//        `steadyWindowMs` (a minute at Klaviyo; shorter here to keep tests fast: a client
//        following the headers cannot tell). Non-429 answers carry RateLimit-Limit /
//        -Remaining / -Reset (the steady window); a 429 carries only Retry-After.
//
// Usage: const k = await startFakeKlaviyo({ segments: { S1: makeProfiles(10000) } });
//   k.env()                KLAVIYO_PRIVATE_KEY + KLAVIYO_BASE_URL
//   k.inject(kind, n, step) the n-th (from 1) request of `kind` ('page'|'import') gets
//                          step: { status, retryAfter } (429 without RateLimit headers)
//   k.requests             [{ kind, method, url, at, status, json }]
//   k.violations           429s the limits produced (a well-paced client makes none)
import http from "node:http";

export const KEY = "pk_fake_0123456789abcdef0123456789abcd";

export function makeProfiles(n, { prefix = "P", attrs = (i) => ({}) } = {}) {
  return Array.from({ length: n }, (_, i) => ({
    type: "profile",
    id: `${prefix}${String(i + 1).padStart(6, "0")}`,
    attributes: { email: `p${i + 1}@example.com`, external_id: `SER${i + 1}`, properties: { points: i + 1 }, ...attrs(i) },
  }));
}

const errors = (status, code, title, detail) => ({ errors: [{ id: "e1", status, code, title, detail, source: { pointer: "/data/" } }] });

export async function startFakeKlaviyo(options = {}) {
  const segments = options.segments ?? {};
  const lists = options.lists ?? {};
  const limits = { burst: 50, steady: 400, steadyWindowMs: 5000, ...(options.limits ?? {}) };
  const requests = [];
  const violations = [];
  const injected = new Map();
  const counters = { page: 0, import: 0, count: 0 };
  const windows = {};
  const imports = [];
  const sockets = new Set();

  const limited = (kind, now) => {
    const w = (windows[kind] ??= { sec: 0, secCount: 0, min: 0, minCount: 0 });
    const sec = Math.floor(now / 1000);
    const min = Math.floor(now / limits.steadyWindowMs);
    if (w.sec !== sec) Object.assign(w, { sec, secCount: 0 });
    if (w.min !== min) Object.assign(w, { min, minCount: 0 });
    if (w.secCount >= limits.burst) return { retryAfter: 1 };
    if (w.minCount >= limits.steady) return { retryAfter: Math.ceil(((min + 1) * limits.steadyWindowMs - now) / 1000) };
    w.secCount++;
    w.minCount++;
    const reset = Math.max(0, Math.ceil(((min + 1) * limits.steadyWindowMs - now) / 1000));
    return { headers: { "RateLimit-Limit": String(limits.steady), "RateLimit-Remaining": String(limits.steady - w.minCount), "RateLimit-Reset": String(reset) } };
  };

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const now = Date.now();
      const url = new URL(req.url, base);
      const rec = { method: req.method, url: req.url, at: now, headers: req.headers, status: 0 };
      requests.push(rec);
      const send = (status, json, headers = {}) => {
        rec.status = status;
        res.writeHead(status, { "Content-Type": "application/vnd.api+json", ...headers });
        res.end(json === undefined ? "" : JSON.stringify(json));
      };
      if (req.headers.authorization !== `Klaviyo-API-Key ${options.key ?? KEY}`)
        return send(401, errors(401, "not_authenticated", "Authentication credentials were not provided.", "Missing or invalid private key."));
      if (!req.headers.revision) return send(400, errors(400, "invalid", "Invalid input.", "revision header is required"));
      const m = /^\/api\/(segments|lists)\/([^/]+)(\/profiles)?\/?$/.exec(url.pathname);
      let kind = null;
      if (req.method === "GET" && m) kind = m[3] ? "page" : "count";
      if (req.method === "POST" && url.pathname === "/api/profile-import") kind = "import";
      if (kind === null) return send(404, errors(404, "not_found", "Not found.", "no such route"));
      rec.kind = kind;
      const n = ++counters[kind];
      const step = injected.get(`${kind}:${n}`);
      if (step) {
        rec.injected = true;
        return send(step.status, errors(step.status, "x", "Injected.", "injected"), step.retryAfter !== undefined ? { "Retry-After": String(step.retryAfter) } : {});
      }
      const lim = limited(kind, now);
      if (lim.retryAfter !== undefined) {
        violations.push(rec);
        return send(429, errors(429, "throttled", "Request was throttled.", "rate limit"), { "Retry-After": String(lim.retryAfter) });
      }
      if (kind === "import") {
        let json;
        try {
          json = JSON.parse(body);
        } catch {
          return send(400, errors(400, "invalid", "Invalid input.", "not JSON"), lim.headers);
        }
        rec.json = json;
        if (options.importStatus) {
          const st = options.importStatus(json);
          if (st) return send(st, errors(st, "invalid", "Invalid input.", "refused"), lim.headers);
        }
        imports.push(json);
        return send(json?.data?.id ? 200 : 201, { data: { type: "profile", id: json?.data?.id ?? "NEW", attributes: json?.data?.attributes ?? {} } }, lim.headers);
      }
      const all = (m[1] === "segments" ? segments : lists)[m[2]];
      if (!all) return send(404, errors(404, "not_found", "Not found.", `${m[1].slice(0, -1)} ${m[2]} does not exist`), lim.headers);
      if (kind === "count") return send(200, { data: { type: m[1].slice(0, -1), id: m[2], attributes: { name: "x", profile_count: all.length } } }, lim.headers);
      const size = Number(url.searchParams.get("page[size]") ?? 20);
      if (!Number.isInteger(size) || size < 1 || size > 100) return send(400, errors(400, "invalid", "Invalid input.", "page[size] must be 1 to 100"), lim.headers);
      const offset = Number(url.searchParams.get("page[cursor]") ?? 0);
      const data = all.slice(offset, offset + size);
      const next = offset + size < all.length ? `${base}${url.pathname}?page%5Bsize%5D=${size}&page%5Bcursor%5D=${offset + size}` : null;
      send(200, { data, links: { self: `${base}${req.url}`, next } }, lim.headers);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: base,
    requests,
    violations,
    imports,
    env: (extra = {}) => ({ KLAVIYO_PRIVATE_KEY: options.key ?? KEY, KLAVIYO_BASE_URL: base, ...extra }),
    inject: (kind, n, step) => injected.set(`${kind}:${n}`, step),
    stop: () =>
      new Promise((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}
