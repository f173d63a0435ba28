// The Worker's provider routes in workerd (Miniflare): /passninja/create,
// /passninja/delete, /walletcrew/push-update, /walletcrew/profile-sync,
// /jericommerce/balance — each against a contract-faithful fake on 127.0.0.1.
//
// Run with the tool state inside the tree (as the Makefile does):
//   mkdir -p .tmp/wrangler-home && HOME=$PWD/.tmp/wrangler-home \
//   XDG_CONFIG_HOME=$PWD/.tmp/wrangler-home/.config TMPDIR=$PWD/.tmp \
//   node --test --test-concurrency=1 tests/worker/providers.test.mjs

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { startFakePassNinja, TRANSPORT_HEADERS } from '../js/fake-passninja.mjs';
import { startFakeWalletCrew, problem } from '../js/fake-walletcrew.mjs';
import { startFakeJeriCommerce } from '../js/fake-jericommerce.mjs';
import { chosenHeaders } from '../js/helpers.mjs';
import { sleep } from '../js/provider-helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'whsec_passbridge_providers_5b1f0c9e7d';
const SERIAL = '9f2c4e6a8b0d1f3e5a';
const EMAIL = 'ada@example.com';
const PHONE = '+15005550006';
const CUSTOMER = 'cust-42';
const BUDGET_MS = 1500;
/** How long to keep listening after an answer, to be sure no retry follows. */
const GRACE_MS = 500;

/** workerd adds CF-Worker to every outbound request: transport, not chosen by passbridge. */
const WORKER_TRANSPORT_HEADERS = new Set([...TRANSPORT_HEADERS, 'cf-worker']);

const FIELDS = {
  'points-balance': '{{ person.properties.loyalty_points|default_if_none:0 }}',
  'loyalty-tier': "{{ person.properties.loyalty_tier|default_if_none:'Standard' }}",
};

describe('Worker provider routes (Miniflare / workerd)', () => {
  const F = {};
  let mf;
  const logs = [];
  const total = () => F.pn.requests.length + F.wc.requests.length + F.jc.requests.length;

  before(async () => {
    F.pn = await startFakePassNinja();
    F.wc = await startFakeWalletCrew();
    F.jc = await startFakeJeriCommerce();
    mf = new Miniflare({
      modules: true,
      scriptPath: `${ROOT}js/worker.mjs`,
      modulesRoot: ROOT,
      modulesRules: [
        { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
        { type: 'CompiledWasm', include: ['**/*.wasm'] },
      ],
      compatibilityDate: '2026-04-01',
      bindings: {
        PASSBRIDGE_WEBHOOK_SECRET: SECRET,
        ...F.pn.env(),
        ...F.wc.env(),
        ...F.jc.env(),
        PASSBRIDGE_FIELDS: JSON.stringify(FIELDS),
        PASSBRIDGE_PASS_TYPE: 'vip',
        PASSBRIDGE_UPDATE_METADATA: 'true',
        PASSBRIDGE_DELTA: '{{ event.points }}',
        PASSBRIDGE_REASON: 'Klaviyo {{ event.reason|default:"bonus" }}',
        PASSBRIDGE_BUDGET_MS: String(BUDGET_MS),
        // These are the providers' contracts, each body sent many times: the
        // delivery ledger (tests/worker/ledger*.test.mjs) is off here.
        PASSBRIDGE_LEDGER: 'off',
      },
      handleStructuredLogs: ({ message }) => {
        logs.push(message);
      },
    });
    await mf.ready;
  });

  after(async () => {
    try {
      await mf?.dispose();
    } finally {
      await Promise.all([F.pn, F.wc, F.jc].filter(Boolean).map((f) => f.stop()));
    }
  });

  beforeEach(() => {
    for (const f of [F.pn, F.wc, F.jc]) f.reset();
  });

  /** POSTs a webhook body; returns { status, headers, text, json }. */
  const post = async (path, body, { auth = true, headers = {} } = {}) => {
    const res = await mf.dispatchFetch(`http://localhost${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Klaviyo-Flow-ID': 'flow_1',
        ...(auth ? { Authorization: `Bearer ${SECRET}` } : {}),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  /** Checks a problem answer: status, code, upstreamStatus, no secret. */
  const checkProblem = (res, { status, code, upstreamStatus, retryAfter }) => {
    assert.equal(res.status, status, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(res.json?.code, code, res.text);
    assert.equal(res.json?.status, status);
    if (upstreamStatus === undefined) assert.equal(res.json?.upstreamStatus, undefined, res.text);
    else assert.equal(res.json?.upstreamStatus, upstreamStatus, res.text);
    if (retryAfter !== undefined) assert.equal(res.headers.get('retry-after'), retryAfter);
    for (const key of [F.pn.apiKey, F.wc.apiKey, F.jc.apiKey, SECRET]) assert.ok(!res.text.includes(key), res.text);
  };

  const ROUTES = [
    {
      path: '/passninja/create', fake: 'pn', idempotent: false,
      body: { person: { email: EMAIL, properties: { loyalty_points: 1200, loyalty_tier: 'Gold' } } },
      upstream: () => ({
        method: 'POST', url: '/v1/passes',
        headers: { 'x-api-key': F.pn.apiKey, 'x-account-id': F.pn.accountId, 'content-type': 'application/json' },
        json: { passTemplate: F.pn.templateId, pass: { 'points-balance': '1200', 'loyalty-tier': 'Gold' } },
      }),
      result: () => {
        const [p] = [...F.pn.passes.values()];
        return { created: true, serial: p.serial, url: `https://passninja.com/p/${p.serial}`, status: 200 };
      },
      guard: [{ person: { email: EMAIL, external_id: SERIAL } }, 'pass already exists'],
      refused: [[{ status: 400, body: { error: "Field 'loyalty-tier' is required" } }], 'rejected', 400, "Field 'loyalty-tier' is required"],
      transient: [[500, 'ok'], 'upstream_unavailable', 500, '30', 1],
    },
    {
      path: '/passninja/delete', fake: 'pn', idempotent: true,
      body: { person: { external_id: SERIAL } },
      upstream: () => ({
        method: 'DELETE', url: `/v1/passes/${F.pn.templateId}/${SERIAL}`,
        headers: { 'x-api-key': F.pn.apiKey, 'x-account-id': F.pn.accountId },
        json: undefined,
      }),
      result: () => ({ deleted: true, status: 200 }),
      guard: [{ person: { email: EMAIL } }, 'no active pass'],
      refused: [[{ status: 404, body: { error: 'Pass not found' } }], 'not_found', 404, 'Pass not found'],
      transient: [[500, 500, 500, 500, 500], 'upstream_unavailable', 500, '30', 3],
    },
    {
      path: '/walletcrew/push-update', fake: 'wc', idempotent: true,
      body: { person: { email: EMAIL, phone_number: PHONE, external_id: CUSTOMER, properties: { loyalty_points: 1200, loyalty_tier: 'Gold' } } },
      upstream: () => ({
        method: 'POST', url: F.wc.pushUpdatePath(),
        headers: { 'x-api-key': F.wc.apiKey, 'content-type': 'application/json' },
        json: {
          identifiers: { email: EMAIL, phone: PHONE, customerId: CUSTOMER },
          passType: 'vip',
          additionalData: { 'points-balance': '1200', 'loyalty-tier': 'Gold' },
          updateMetadata: true,
        },
      }),
      result: () => ({ updated: true, status: 200 }),
      guard: [{ person: { first_name: 'Ada' } }, 'no identifiers'],
      refused: [[403], 'unauthorized', 403, 'The API key lacks the KlaviyoListener.Write scope.'],
      // Retry-After 2 s does not fit the 1.5 s budget: answered at once, and passed on.
      transient: [[{ status: 429, retryAfter: 2 }, 'ok'], 'throttled', 429, '2', 1],
    },
    {
      path: '/walletcrew/profile-sync', fake: 'wc', idempotent: true,
      body: { person: { data: { type: 'profile', id: '01H', attributes: { email: EMAIL, external_id: CUSTOMER } } } },
      upstream: () => ({
        method: 'POST', url: F.wc.profileSyncPath(),
        headers: { 'x-api-key': F.wc.apiKey, 'content-type': 'application/json' },
        json: { email: EMAIL, phone_number: null },
      }),
      result: () => ({ synced: true, status: 202 }),
      guard: [{ person: { external_id: CUSTOMER } }, 'no email or phone'],
      refused: [
        [{ status: 400, body: problem(400, { errors: { email: ['The email field is not a valid e-mail address.'] } }) }],
        'rejected', 400, 'email: The email field is not a valid e-mail address.',
      ],
      // An attempt may use the whole budget (issue 11): a hang is one request, then 503.
      transient: [['hang', 'hang', 'hang'], 'network', undefined, '30', 1],
    },
    {
      path: '/jericommerce/balance', fake: 'jc', idempotent: false,
      body: { person: { email: EMAIL }, event: { points: 25 } },
      upstream: () => ({
        method: 'POST', url: F.jc.balancePath('increase'),
        headers: { 'api-key': F.jc.apiKey, 'content-type': 'application/json' },
        json: [{ email: EMAIL, amount: 25, reason: 'Klaviyo bonus' }],
      }),
      result: () => ({ updated: true, direction: 'increase', amount: 25, status: 200 }),
      guard: [{ person: { email: EMAIL }, event: { points: 0 } }, 'zero delta'],
      refused: [[{ status: 400, body: { message: 'Customer is not enrolled' } }], 'rejected', 400, 'Customer is not enrolled'],
      transient: [[{ status: 500, apply: true }, 'ok', 'ok'], 'upstream_unavailable', 500, '30', 1],
    },
  ];

  for (const route of ROUTES) {
    describe(`POST ${route.path}`, () => {
      const fake = () => F[route.fake];

      it('good case: 200 with the result object; the upstream received exactly the contract request', async () => {
        const res = await post(route.path, route.body);
        assert.equal(res.status, 200, res.text);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
        assert.deepEqual(res.json, route.result());
        const exp = route.upstream();
        assert.equal(fake().requests.length, 1);
        assert.equal(total(), 1);
        const [rec] = fake().requests;
        assert.equal(rec.method, exp.method);
        assert.equal(rec.url, exp.url);
        assert.deepEqual(chosenHeaders(rec, WORKER_TRANSPORT_HEADERS), exp.headers);
        if (exp.json === undefined) assert.equal(rec.body, '');
        else assert.deepEqual(rec.json, exp.json, rec.body);
      });

      it(`guard: 200 { skipped: true, reason: '${route.guard[1]}' }, nothing sent upstream`, async () => {
        const res = await post(route.path, route.guard[0]);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.json, { skipped: true, reason: route.guard[1] });
        assert.equal(total(), 0);
      });

      it('without the Bearer secret: 401, nothing sent upstream', async () => {
        const res = await post(route.path, route.body, { auth: false });
        checkProblem(res, { status: 401, code: 'unauthorized' });
        assert.equal(total(), 0);
      });

      const [refSteps, refCode, refStatus, refSays] = route.refused;
      it(`provider ${refStatus} → 422 { code: '${refCode}', upstreamStatus: ${refStatus} }, one attempt`, async () => {
        fake().script(...refSteps, 'ok');
        const res = await post(route.path, route.body);
        checkProblem(res, { status: 422, code: refCode, upstreamStatus: refStatus });
        assert.ok(res.json.detail.includes(refSays), res.json.detail);
        assert.equal(fake().requests.length, 1);
      });

      const [trSteps, trCode, trStatus, trRetryAfter, trAttempts] = route.transient;
      it(`transient (${trCode}) → 503 + Retry-After: ${trRetryAfter}, ${trAttempts} upstream attempt(s)`, async () => {
        fake().script(...trSteps);
        const started = Date.now();
        const res = await post(route.path, route.body);
        assert.ok(Date.now() - started < BUDGET_MS + 3000, `answered after ${Date.now() - started} ms`);
        checkProblem(res, { status: 503, code: trCode, upstreamStatus: trStatus, retryAfter: trRetryAfter });
        await sleep(GRACE_MS);
        assert.equal(fake().requests.length, trAttempts);
        assert.equal(total(), trAttempts);
      });
    });
  }

  describe('POST /jericommerce/balance is sent EXACTLY ONCE', () => {
    const body = { person: { email: EMAIL }, event: { points: 25 } };
    const cases = [
      ['500 after the points were applied', [{ status: 500, apply: true }, 'ok', 'ok'], 'upstream_unavailable', 500, 25],
      ['500', [500, 'ok', 'ok'], 'upstream_unavailable', 500, 0],
      ['429', [429, 'ok', 'ok'], 'throttled', 429, 0],
      ['a hang (timeout)', ['hang', 'ok', 'ok'], 'network', undefined, 0],
    ];
    for (const [label, steps, code, upstreamStatus, balance] of cases) {
      it(`${label} → 503 ${code}, one upstream request, balance ${balance}`, async () => {
        F.jc.script(...steps);
        const res = await post('/jericommerce/balance', body);
        checkProblem(res, { status: 503, code, upstreamStatus });
        assert.ok(res.headers.get('retry-after'), 'Retry-After is set');
        await sleep(GRACE_MS);
        assert.equal(F.jc.requests.length, 1, 'sent exactly once');
        assert.equal(F.jc.balanceOf(EMAIL), balance);
      });
    }

    it('a negative delta → decrease by its absolute value', async () => {
      const res = await post('/jericommerce/balance', { person: { email: EMAIL }, event: { points: -40, reason: 'refund' } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { updated: true, direction: 'decrease', amount: 40, status: 200 });
      assert.equal(F.jc.requests[0].url, F.jc.balancePath('decrease'));
      assert.deepEqual(F.jc.requests[0].json, [{ email: EMAIL, amount: 40, reason: 'Klaviyo refund' }]);
    });

    it("a non-numeric delta → 400 invalid_profile naming the type, nothing sent", async () => {
      const res = await post('/jericommerce/balance', { person: { email: EMAIL }, event: { points: 'abc' } });
      checkProblem(res, { status: 400, code: 'invalid_profile' });
      assert.ok(res.json.detail.includes("got a string 'abc'"), res.json.detail);
      assert.equal(total(), 0);
    });
  });

  it('log lines carry no secret, API key, email or phone number', () => {
    assert.ok(logs.length > 0, 'the Worker logged');
    for (const line of logs) {
      for (const s of [SECRET, F.pn.apiKey, F.wc.apiKey, F.jc.apiKey, EMAIL, PHONE]) {
        assert.ok(!line.includes(s), `log line carries ${s}: ${line}`);
      }
    }
  });
});
