// A fake JeriCommerce loyalty API on 127.0.0.1, for tests of every passbridge
// door. Node built-ins only.
//
// It follows docs/providers.md (JeriCommerce section):
//
//   auth      header `api-key` must equal the configured key, else 401 (text body)
//   POST      /v1/programs/{slug}/balance/increase
//   POST      /v1/programs/{slug}/balance/decrease
//             body an ARRAY [ { "email": "…", "amount": <positive number>, "reason": "…" } ],
//             all three required; the path picks the direction, amount is always positive
//             200 {"success": true, "results": [{ email, balance }]}
//   errors    undocumented: 400 {"message": …} for a bad body, 401 text, 404 {"message": …}
//             for an unknown program or route, 405, 415, 5xx text.
//   NOT idempotent: every accepted request changes the balance again; the fake
//   keeps balances so a test can see a double credit (fake.balanceOf(email)).
//
// Usage:
//
//   import { startFakeJeriCommerce } from './fake-jericommerce.mjs';
//   const fake = await startFakeJeriCommerce();
//   fake.env()        // JERICOMMERCE_API_KEY, JERICOMMERCE_PROGRAM_SLUG, JERICOMMERCE_BASE_URL
//   fake.script({ status: 500, apply: true })   // credit the points, then answer 500
//   fake.requests; fake.changes (accepted changes); fake.balanceOf('ada@example.com')
//   fake.reset(); await fake.stop();
//
// Options: apiKey, slug (other programs are 404), balances ({ email: number } initial).

import { startFakeProvider } from './provider-helpers.mjs';

export const DEFAULT_API_KEY = 'jc_key_Fake_3e9a7c5b1d2f4a6e8b0c2d4f6a8b0c1d';
export const DEFAULT_SLUG = 'acme-rewards';

const USUAL_BODY = {
  400: { message: 'Bad Request' },
  401: 'Unauthorized',
  403: { message: 'Forbidden' },
  404: { message: 'Not Found' },
  429: { message: 'Too Many Requests' },
};

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Problems of a balance body, as a list of messages (empty when valid). */
export function validateBalance(json) {
  if (!Array.isArray(json)) return ['body must be an array of { email, amount, reason }'];
  if (json.length === 0) return ['body must hold at least one entry'];
  const problems = [];
  json.forEach((entry, i) => {
    if (!isPlainObject(entry)) {
      problems.push(`[${i}] must be an object`);
      return;
    }
    if (typeof entry.email !== 'string' || entry.email.trim() === '') problems.push(`[${i}].email is required`);
    if (typeof entry.amount !== 'number' || !Number.isFinite(entry.amount) || entry.amount <= 0) {
      problems.push(`[${i}].amount must be a positive number`);
    }
    if (typeof entry.reason !== 'string' || entry.reason.trim() === '') problems.push(`[${i}].reason is required`);
  });
  return problems;
}

export async function startFakeJeriCommerce(options = {}) {
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const slug = options.slug ?? DEFAULT_SLUG;

  return startFakeProvider({
    name: 'fake-jericommerce',
    keyHeader: 'api-key',
    usualBody(status, rec, key) {
      if (key) return { message: `Invalid api-key ${key}` };
      if (Object.hasOwn(USUAL_BODY, status)) return USUAL_BODY[status];
      if (status >= 500) return 'Internal Server Error';
      if (status >= 200 && status < 300) return { success: true };
      return { message: `HTTP ${status}` };
    },
    route(rec, fake) {
      const s = rec.segments;
      // ['', 'v1', 'programs', slug, 'balance', direction]
      const direction =
        s.length === 6 && s[0] === '' && s[1] === 'v1' && s[2] === 'programs' && s[4] === 'balance' && !s.includes(null)
          ? s[5]
          : null;
      if ((direction !== 'increase' && direction !== 'decrease') || rec.query !== '') {
        return { status: 404, body: { message: 'Not Found' } };
      }
      if (rec.method !== 'POST') return { status: 405, body: { message: 'Method Not Allowed' }, headers: { Allow: 'POST' } };
      if (rec.headers['api-key'] !== apiKey) return { status: 401, body: 'Unauthorized' };
      if (s[3] !== slug) return { status: 404, body: { message: `Program '${s[3]}' not found` } };
      if (!/^application\/json\b/i.test(String(rec.headers['content-type'] ?? ''))) {
        return { status: 415, body: { message: 'Content-Type must be application/json' } };
      }
      if (rec.json === undefined) return { status: 400, body: { message: 'Body must be valid JSON' } };
      const problems = validateBalance(rec.json);
      if (problems.length > 0) return { status: 400, body: { message: problems.join('; ') } };
      const sign = direction === 'increase' ? 1 : -1;
      const results = rec.json.map(({ email, amount, reason }) => {
        const balance = (fake.balances.get(email) ?? 0) + sign * amount;
        fake.balances.set(email, balance);
        fake.changes.push({ email, direction, amount, reason });
        return { email, balance };
      });
      return { status: 200, body: { success: true, results } };
    },
    onReset(fake) {
      fake.balances.clear();
      for (const [email, n] of Object.entries(options.balances ?? {})) fake.balances.set(email, n);
      fake.changes.length = 0;
    },
    extend: (fake) => ({
      apiKey,
      slug,
      /** email → balance. */
      balances: new Map(),
      /** Every accepted change, in order: { email, direction, amount, reason }. */
      changes: [],
      balanceOf(email) {
        return fake.balances.get(email) ?? 0;
      },
      /** The JERICOMMERCE_* variables that point passbridge at this fake, plus `extra`. */
      env(extra = {}) {
        return { JERICOMMERCE_API_KEY: apiKey, JERICOMMERCE_PROGRAM_SLUG: slug, JERICOMMERCE_BASE_URL: fake.url, ...extra };
      },
      balancePath(direction, slugSegment = slug) {
        return `/v1/programs/${slugSegment}/balance/${direction}`;
      },
    }),
  });
}
