// The six provider operations (PassNinja update/create/delete, The Wallet Crew
// pushUpdate/profileSync, JeriCommerce balance) through the Klaviyo Code action
// door, run against BOTH js/klaviyo.mjs and the single file
// dist/klaviyo-code-action.mjs, each against a contract-faithful fake server.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFakePassNinja, TRANSPORT_HEADERS } from './fake-passninja.mjs';
import { startFakeWalletCrew, problem, PUSH_UPDATE_KEYS } from './fake-walletcrew.mjs';
import { startFakeJeriCommerce } from './fake-jericommerce.mjs';
import {
  MODULES, CONTEXT, encodeSegment, rejection, thrown, assertNoSecret, assertPassbridgeError,
  spyFetch, forbiddenFetch, chosenHeaders, setEnv,
} from './helpers.mjs';
import { sleep, clearedProviderEnv, keysOf } from './provider-helpers.mjs';

const PN = 'PassNinja error: ';
const WC = 'The Wallet Crew error: ';
const JC = 'JeriCommerce error: ';

const SERIAL = '9f2c4e6a8b0d1f3e5a';
const EMAIL = 'ada@example.com';
const PHONE = '+15005550006';
const CUSTOMER = 'cust-42';
/** How long to keep listening after a rejection, to be sure no retry follows. */
const GRACE_MS = 400;

/** Klaviyo's JSON:API profile with exactly these attributes. */
const person = (attributes) => ({ data: { type: 'profile', id: '01HPROFILE', attributes } });
/** Klaviyo's JSON:API event with these event properties. */
const event = (props) => ({ data: { type: 'event', id: 'evt_1', attributes: { timestamp: 1717400000, event_properties: props } } });

const BALANCE_EVENT = event({ points: 25, product: 'a review' });
const BALANCE_OPTIONS = { delta: '{{ event.points }}', reason: 'Bonus for {{ event.product }}' };
const BALANCE_ENV = { PASSBRIDGE_DELTA: '{{ event.points }}', PASSBRIDGE_REASON: 'Bonus for {{ event.product }}' };

/**
 * The six operations. `fake` names the fake ('pn' | 'wc' | 'jc'); functions get
 * the fakes `F`. `request(F)` is the exact request the fake must receive.
 */
const OPS = [
  {
    id: 'passninja update', provider: 'passninja', operation: 'update', fake: 'pn', prefix: PN, idempotent: true,
    options: {}, env: {},
    profile: person({ email: EMAIL, external_id: SERIAL, properties: { loyalty_points: 1500, loyalty_tier: 'Gold' } }),
    event: null,
    request: (F) => ({
      method: 'PATCH',
      path: `/v1/passes/${F.pn.templateId}/${SERIAL}`,
      headers: { 'x-api-key': F.pn.apiKey, 'x-account-id': F.pn.accountId, 'content-type': 'application/json' },
      json: { pass: { 'points-balance': '1500', 'loyalty-tier': 'Gold' } },
    }),
    result: () => ({ updated: true, status: 200 }),
    guards: [
      ['external_id missing', person({ email: EMAIL, properties: { loyalty_points: 5 } }), null, 'no active pass'],
      ['external_id blank', person({ email: EMAIL, external_id: '   ' }), null, 'no active pass'],
      ['external_id null', person({ email: EMAIL, external_id: null }), null, 'no active pass'],
    ],
    keyEnv: 'PASSNINJA_API_KEY',
    requiredEnv: ['PASSNINJA_API_KEY', 'PASSNINJA_ACCOUNT_ID', 'PASSNINJA_TEMPLATE_ID'],
    e400: { steps: [{ status: 400, body: { error: "Field 'points-balance' is not on this template" } }], says: ["Field 'points-balance' is not on this template"] },
    e401says: ['Invalid API key'],
    e403: { steps: [{ status: 403, body: { msg: 'Your plan does not include this', code: 'ENTERPRISE_REQUIRED' } }], says: ['Your plan does not include this'] },
    e404: { steps: [{ status: 404, body: { error: 'Pass not found' } }], says: ['Pass not found'] },
    e429body: { error: 'Slow down' },
  },
  {
    id: 'passninja create', provider: 'passninja', operation: 'create', fake: 'pn', prefix: PN, idempotent: false,
    options: {}, env: {},
    profile: person({ email: EMAIL, properties: { loyalty_points: 10, loyalty_tier: 'Silver' } }),
    event: null,
    request: (F) => ({
      method: 'POST',
      path: '/v1/passes',
      headers: { 'x-api-key': F.pn.apiKey, 'x-account-id': F.pn.accountId, 'content-type': 'application/json' },
      json: { passTemplate: F.pn.templateId, pass: { 'points-balance': '10', 'loyalty-tier': 'Silver' } },
    }),
    result: (F) => {
      const passes = [...F.pn.passes.values()];
      assert.equal(passes.length, 1, 'the fake stored one new pass');
      const { serial } = passes[0];
      return { created: true, serial, url: `https://passninja.com/p/${serial}`, status: 200 };
    },
    guards: [
      ['the profile already has a pass (external_id)', person({ email: EMAIL, external_id: SERIAL }), null, 'pass already exists'],
    ],
    keyEnv: 'PASSNINJA_API_KEY',
    requiredEnv: ['PASSNINJA_API_KEY', 'PASSNINJA_ACCOUNT_ID', 'PASSNINJA_TEMPLATE_ID'],
    e400: { steps: [{ status: 400, body: { error: "Field 'loyalty-tier' is required" } }], says: ["Field 'loyalty-tier' is required"] },
    e401says: ['Invalid API key'],
    e403: { steps: [{ status: 403, body: { msg: 'Your plan does not include this', code: 'ENTERPRISE_REQUIRED' } }], says: ['Your plan does not include this'] },
    e404: { steps: [{ status: 404, body: { error: 'Pass template not found' } }], says: ['Pass template not found'] },
    e429body: { error: 'Slow down' },
  },
  {
    id: 'passninja delete', provider: 'passninja', operation: 'delete', fake: 'pn', prefix: PN, idempotent: true,
    options: {}, env: {},
    profile: person({ email: EMAIL, external_id: SERIAL }),
    event: null,
    request: (F) => ({
      method: 'DELETE',
      path: `/v1/passes/${F.pn.templateId}/${SERIAL}`,
      headers: { 'x-api-key': F.pn.apiKey, 'x-account-id': F.pn.accountId },
      json: undefined,
    }),
    result: () => ({ deleted: true, status: 200 }),
    guards: [
      ['external_id missing', person({ email: EMAIL }), null, 'no active pass'],
      ['external_id empty', person({ email: EMAIL, external_id: '' }), null, 'no active pass'],
    ],
    keyEnv: 'PASSNINJA_API_KEY',
    requiredEnv: ['PASSNINJA_API_KEY', 'PASSNINJA_ACCOUNT_ID', 'PASSNINJA_TEMPLATE_ID'],
    e400: { steps: [{ status: 400, body: { error: 'Pass is locked' } }], says: ['Pass is locked'] },
    e401says: ['Invalid API key'],
    e403: { steps: [{ status: 403, body: { msg: 'Not your pass' } }], says: ['Not your pass'] },
    e404: { steps: [{ status: 404, body: { error: 'Pass not found' } }], says: ['Pass not found'] },
    e429body: { error: 'Slow down' },
  },
  {
    id: 'walletcrew pushUpdate', provider: 'walletcrew', operation: 'pushUpdate', fake: 'wc', prefix: WC, idempotent: true,
    options: {}, env: {},
    profile: person({ email: EMAIL, phone_number: PHONE, external_id: CUSTOMER, properties: { loyalty_points: 7 } }),
    event: null,
    request: (F) => ({
      method: 'POST',
      path: F.wc.pushUpdatePath(),
      headers: { 'x-api-key': F.wc.apiKey, 'content-type': 'application/json' },
      json: { identifiers: { email: EMAIL, phone: PHONE, customerId: CUSTOMER }, updateMetadata: false },
    }),
    result: () => ({ updated: true, status: 200 }),
    guards: [
      ['no email, phone or external_id', person({ first_name: 'Ada', properties: { loyalty_points: 7 } }), null, 'no identifiers'],
      ['every identifier blank or null', person({ email: '  ', phone_number: null, external_id: '' }), null, 'no identifiers'],
    ],
    keyEnv: 'WALLETCREW_API_KEY',
    requiredEnv: ['WALLETCREW_API_KEY', 'WALLETCREW_TENANT_ID'],
    e400: {
      steps: [{
        status: 400,
        body: problem(400, {
          detail: 'See the errors property.',
          instance: '/api/x',
          errors: { identifiers: ['At least one identifier is required.'], passType: ['Unknown pass type.'] },
        }),
      }],
      says: ['One or more validation errors occurred.', 'See the errors property.', 'identifiers: At least one identifier is required.', 'passType: Unknown pass type.'],
    },
    e401says: ['Unauthorized', 'The API key is missing or invalid.'],
    e403: { steps: [403], says: ['Forbidden', 'The API key lacks the KlaviyoListener.Write scope.'] },
    e404: { env: { WALLETCREW_TENANT_ID: 'other-tenant' }, says: ['Not Found', "Tenant 'other-tenant' not found."] },
    e429body: problem(429, { detail: 'Slow down' }),
  },
  {
    id: 'walletcrew profileSync', provider: 'walletcrew', operation: 'profileSync', fake: 'wc', prefix: WC, idempotent: true,
    options: {}, env: {},
    profile: person({ email: EMAIL, phone_number: PHONE, external_id: CUSTOMER }),
    event: null,
    request: (F) => ({
      method: 'POST',
      path: F.wc.profileSyncPath(),
      headers: { 'x-api-key': F.wc.apiKey, 'content-type': 'application/json' },
      json: { email: EMAIL, phone_number: PHONE },
    }),
    result: () => ({ synced: true, status: 202 }),
    guards: [
      ['neither email nor phone', person({ external_id: CUSTOMER }), null, 'no email or phone'],
      ['email and phone blank/null', person({ email: ' ', phone_number: null, external_id: CUSTOMER }), null, 'no email or phone'],
    ],
    keyEnv: 'WALLETCREW_API_KEY',
    requiredEnv: ['WALLETCREW_API_KEY', 'WALLETCREW_TENANT_ID'],
    e400: {
      steps: [{ status: 400, body: problem(400, { errors: { email: ['The email field is not a valid e-mail address.'] } }) }],
      says: ['One or more validation errors occurred.', 'email: The email field is not a valid e-mail address.'],
    },
    e401says: ['Unauthorized', 'The API key is missing or invalid.'],
    e403: { steps: [{ status: 403, body: problem(403, { detail: 'Tenant configuration is access controlled.' }) }], says: ['Forbidden', 'Tenant configuration is access controlled.'] },
    e404: { env: { WALLETCREW_TENANT_ID: 'other-tenant' }, says: ['Not Found', "Tenant 'other-tenant' not found."] },
    e429body: problem(429, { detail: 'Slow down' }),
  },
  {
    id: 'jericommerce balance', provider: 'jericommerce', operation: 'balance', fake: 'jc', prefix: JC, idempotent: false,
    options: BALANCE_OPTIONS, env: BALANCE_ENV,
    profile: person({ email: EMAIL, phone_number: PHONE }),
    event: BALANCE_EVENT,
    request: (F) => ({
      method: 'POST',
      path: F.jc.balancePath('increase'),
      headers: { 'api-key': F.jc.apiKey, 'content-type': 'application/json' },
      json: [{ email: EMAIL, amount: 25, reason: 'Bonus for a review' }],
    }),
    result: () => ({ updated: true, direction: 'increase', amount: 25, status: 200 }),
    guards: [
      ['no email', person({ phone_number: PHONE }), BALANCE_EVENT, 'no email'],
      ['blank email', person({ email: '   ' }), BALANCE_EVENT, 'no email'],
      ['delta 0', person({ email: EMAIL }), event({ points: 0, product: 'x' }), 'zero delta'],
      ['delta "0"', person({ email: EMAIL }), event({ points: '0', product: 'x' }), 'zero delta'],
      ['delta -0', person({ email: EMAIL }), event({ points: -0, product: 'x' }), 'zero delta'],
    ],
    keyEnv: 'JERICOMMERCE_API_KEY',
    requiredEnv: ['JERICOMMERCE_API_KEY', 'JERICOMMERCE_PROGRAM_SLUG'],
    e400: { steps: [{ status: 400, body: { message: 'Customer ada is not enrolled in the program' } }], says: ['Customer ada is not enrolled in the program'] },
    e401says: ['Unauthorized'],
    e403: { steps: [{ status: 403, body: { message: 'API key is read-only' } }], says: ['API key is read-only'] },
    e404: { env: { JERICOMMERCE_PROGRAM_SLUG: 'other-program' }, says: ["Program 'other-program' not found"] },
    e429body: { message: 'Slow down' },
  },
];

const WRONG_KEY = 'sk_wrong_0123456789abcdef0123456789abcdef';

for (const { name, url } of MODULES) {
  describe(name, () => {
    let mod;
    const F = {};
    const fakes = () => [F.pn, F.wc, F.jc];
    const total = () => F.pn.requests.length + F.wc.requests.length + F.jc.requests.length;
    const ENV = (extra = {}) => ({ ...F.pn.env(), ...F.wc.env(), ...F.jc.env(), ...extra });
    const fakeOf = (op) => F[op.fake];
    /** A handler for `op` on the fakes; `env` entries are added to the fakes' variables. */
    const make = (op, { env, ...options } = {}) =>
      mod.createHandler({ provider: op.provider, operation: op.operation, ...op.options, env: ENV(env), ...options });
    const run = (op, options = {}, profile = op.profile, ev = op.event) => make(op, options)(ev, profile, CONTEXT);

    /** Checks that the fake received exactly `op`'s request `n` times (every attempt identical). */
    const checkReceived = (op, n = 1) => {
      const fake = fakeOf(op);
      const exp = op.request(F);
      assert.equal(fake.requests.length, n, `${n} request(s) received`);
      assert.equal(total(), n, 'no request to another provider');
      for (const rec of fake.requests) {
        assert.equal(rec.method, exp.method);
        assert.equal(rec.url, exp.path);
        assert.deepEqual(chosenHeaders(rec, TRANSPORT_HEADERS), exp.headers);
        if (exp.json === undefined) assert.equal(rec.body, '', 'no body');
        else assert.deepEqual(rec.json, exp.json, `body received: ${rec.body}`);
        assert.equal(rec.body, fake.requests[0].body, 'every attempt sends the same body');
      }
    };

    before(async () => {
      mod = await import(url);
      F.pn = await startFakePassNinja();
      F.wc = await startFakeWalletCrew();
      F.jc = await startFakeJeriCommerce();
    });
    after(async () => {
      await Promise.all(fakes().filter(Boolean).map((f) => f.stop()));
    });
    beforeEach(() => {
      for (const f of fakes()) f.reset();
    });

    for (const op of OPS) {
      describe(op.id, () => {
        it('sends exactly the contract request and resolves the contract result', async () => {
          const spy = spyFetch();
          const result = await run(op, { fetch: spy.fetch });
          assert.deepEqual({ ...result }, op.result(F));
          checkReceived(op, 1);
          assert.equal(spy.calls.length, 1);
          const exp = op.request(F);
          assert.equal(String(spy.calls[0].url), `${fakeOf(op).url}${exp.path}`);
          assert.equal(spy.calls[0].init.method, exp.method);
          if (exp.json === undefined) {
            assert.equal(spy.calls[0].init.body, undefined, 'no body is given to fetch');
            const names = Object.keys(spy.calls[0].init.headers).map((h) => h.toLowerCase());
            assert.ok(!names.includes('content-type'), `no Content-Type without a body: ${names}`);
          }
        });

        for (const [label, profile, ev, reason] of op.guards) {
          it(`guard: ${label} → { skipped: true, reason: '${reason}' }, nothing sent`, async () => {
            const spy = forbiddenFetch();
            const result = await run(op, { fetch: spy.fetch }, profile, ev);
            assert.deepEqual({ ...result }, { skipped: true, reason });
            assert.equal(spy.calls.length, 0);
            assert.equal(total(), 0);
          });
        }

        /** Runs `op` expecting a rejection; returns { err, took }. */
        const failing = async ({ steps = [], env, budgetMs } = {}) => {
          fakeOf(op).script(...steps);
          const options = { env };
          if (budgetMs) options.budgetMs = budgetMs;
          const started = Date.now();
          const err = await rejection(run(op, options));
          return { err, took: Date.now() - started };
        };
        const says = (err, texts) => {
          for (const t of texts) assert.ok(err.message.includes(t), `message should include ${JSON.stringify(t)}: ${err.message}`);
        };
        const secret = () => fakeOf(op).apiKey;

        it('400 → rejected (status 400, not retryable), provider text in the message, one attempt', async () => {
          const { err } = await failing({ steps: [...op.e400.steps, 'ok'] });
          assertPassbridgeError(err, { code: 'rejected', status: 400, prefix: op.prefix, secret: secret() });
          says(err, op.e400.says);
          assert.equal(err.attempts, 1);
          checkReceived(op, 1);
        });

        it("401 from the fake's own key check (wrong key) → unauthorized, one attempt, no key shown", async () => {
          const { err } = await failing({ env: { [op.keyEnv]: WRONG_KEY } });
          assertPassbridgeError(err, { code: 'unauthorized', status: 401, prefix: op.prefix, secret: WRONG_KEY });
          assertNoSecret(err, secret());
          says(err, op.e401says);
          assert.equal(err.attempts, 1);
          assert.equal(fakeOf(op).requests.length, 1);
        });

        it('403 → unauthorized (status 403), one attempt', async () => {
          const { err } = await failing({ steps: [...op.e403.steps, 'ok'] });
          assertPassbridgeError(err, { code: 'unauthorized', status: 403, prefix: op.prefix, secret: secret() });
          says(err, op.e403.says);
          assert.equal(err.attempts, 1);
          checkReceived(op, 1);
        });

        it('404 → not_found (status 404), one attempt', async () => {
          const { err } = await failing({ steps: [...(op.e404.steps ?? []), 'ok'], env: op.e404.env });
          assertPassbridgeError(err, { code: 'not_found', status: 404, prefix: op.prefix, secret: secret() });
          says(err, op.e404.says);
          assert.equal(err.attempts, 1);
          assert.equal(fakeOf(op).requests.length, 1);
          assert.equal(total(), 1);
        });

        it('429 with Retry-After: 1 and budgetMs 300 → throttled at once, retryAfterMs 1000', async () => {
          const { err, took } = await failing({ steps: [{ status: 429, retryAfter: 1, body: op.e429body }, 'ok'], budgetMs: 300 });
          assertPassbridgeError(err, { code: 'throttled', status: 429, retryable: true, prefix: op.prefix, secret: secret() });
          assert.equal(err.retryAfterMs, 1000);
          assert.equal(err.attempts, 1);
          assert.ok(took < 2000, `took ${took} ms`);
          checkReceived(op, 1);
        });

        it('hanging provider, budgetMs 300 → network "timed out", retryable, one attempt', async () => {
          const { err, took } = await failing({ steps: ['hang', 'hang', 'hang', 'hang'], budgetMs: 300 });
          assertPassbridgeError(err, { code: 'network', status: null, retryable: true, prefix: op.prefix, secret: secret() });
          assert.match(err.message, /timed out/);
          assert.equal(err.attempts, 1);
          assert.ok(took < 3000, `took ${took} ms`);
          await sleep(GRACE_MS);
          checkReceived(op, 1);
        });

        it('the API key echoed by the provider is redacted (***)', async () => {
          const { err } = await failing({ steps: ['echo-key'] });
          assertPassbridgeError(err, { code: 'rejected', status: 400, prefix: op.prefix, secret: secret() });
          assert.ok(err.message.includes('***'), err.message);
        });

        if (op.idempotent) {
          it('idempotent: 429 then 200 → retried after ≥ 250 ms, resolves, same request twice', async () => {
            fakeOf(op).script({ status: 429, body: op.e429body }, 'ok');
            const result = await run(op);
            assert.equal(result[Object.keys(op.result(F))[0]], true, JSON.stringify(result));
            checkReceived(op, 2);
            const [a, b] = fakeOf(op).requests;
            assert.ok(b.receivedAt - a.receivedAt >= 230, `waited ${b.receivedAt - a.receivedAt} ms`);
          });

          it('idempotent: 500 every time, budgetMs 1500 → upstream_unavailable after 3 attempts (waits 250, 750 ms)', async () => {
            const { err } = await failing({ steps: [500, 500, 500, 500, 500], budgetMs: 1500 });
            assertPassbridgeError(err, { code: 'upstream_unavailable', status: 500, retryable: true, prefix: op.prefix, secret: secret() });
            assert.equal(err.attempts, 3);
            checkReceived(op, 3);
            const t = fakeOf(op).requests.map((r) => r.receivedAt);
            assert.ok(t[1] - t[0] >= 230 && t[2] - t[1] >= 730, `gaps ${t[1] - t[0]}, ${t[2] - t[1]} ms`);
          });

          it('idempotent: connection reset then 200 → retried, resolves', async () => {
            fakeOf(op).script('reset', 'ok');
            const result = await run(op);
            assert.equal(result[Object.keys(op.result(F))[0]], true, JSON.stringify(result));
            checkReceived(op, 2);
          });
        } else {
          it('NOT idempotent: 429 then 200 → throttled, sent exactly once (no automatic retry)', async () => {
            const { err } = await failing({ steps: [{ status: 429, body: op.e429body }, 'ok'] });
            assertPassbridgeError(err, { code: 'throttled', status: 429, retryable: true, prefix: op.prefix, secret: secret() });
            assert.equal(err.attempts, 1);
            await sleep(GRACE_MS);
            checkReceived(op, 1);
          });

          it('NOT idempotent: 500 then 200 → upstream_unavailable, sent exactly once', async () => {
            const { err } = await failing({ steps: [500, 'ok'] });
            assertPassbridgeError(err, { code: 'upstream_unavailable', status: 500, retryable: true, prefix: op.prefix, secret: secret() });
            assert.equal(err.attempts, 1);
            await sleep(GRACE_MS);
            checkReceived(op, 1);
          });

          it('NOT idempotent: connection reset then 200 → network, sent exactly once', async () => {
            const { err } = await failing({ steps: ['reset', 'ok'] });
            assertPassbridgeError(err, { code: 'network', status: null, retryable: true, prefix: op.prefix, secret: secret() });
            assert.equal(err.attempts, 1);
            await sleep(GRACE_MS);
            checkReceived(op, 1);
          });
        }

        for (const variable of op.requiredEnv) {
          it(`${variable} missing → missing_config naming it, nothing sent`, async () => {
            const env = ENV();
            delete env[variable];
            const err = await rejection(mod.createHandler({ provider: op.provider, operation: op.operation, ...op.options, env })(op.event, op.profile, CONTEXT));
            assertPassbridgeError(err, { code: 'missing_config', prefix: op.prefix, secret: secret() });
            assert.ok(err.message.includes(variable), err.message);
            assert.equal(total(), 0);
          });
        }

        for (const bad of ['\r\nX-Evil: yes', '\n', '\u0000']) {
          it(`${op.keyEnv} with a control character (${JSON.stringify(bad)}) → invalid_config before sending, key not echoed`, async () => {
            const key = `live_abcdef123456${bad}`;
            const err = await rejection(run(op, { env: { [op.keyEnv]: key } }));
            assertPassbridgeError(err, { code: 'invalid_config', prefix: op.prefix, secret: key });
            assertNoSecret(err, 'live_abcdef');
            assert.ok(err.message.includes(op.keyEnv), err.message);
            assert.equal(total(), 0);
          });
        }

        it('dryRun: the request with the key as ***, nothing sent', async () => {
          const spy = forbiddenFetch();
          const result = await run(op, { dryRun: true, fetch: spy.fetch });
          const exp = op.request(F);
          assert.equal(result.dryRun, true);
          assert.equal(result.request.method, exp.method);
          assert.equal(result.request.url, `${fakeOf(op).url}${exp.path}`);
          assertNoSecret(result, secret());
          if (exp.json === undefined) assert.equal(result.request.body, null);
          else assert.deepEqual(JSON.parse(result.request.body), exp.json);
          assert.equal(spy.calls.length, 0);
          assert.equal(total(), 0);
        });
      });
    }

    describe('PassNinja create: result and skipIfPassExists', () => {
      const op = OPS.find((o) => o.id === 'passninja create');
      const withPass = person({ email: EMAIL, external_id: SERIAL, properties: { loyalty_points: 3 } });

      it('response with passType and no urls → url https://passninja.com/p/{serial}', async () => {
        F.pn.script({ status: 200, body: { passType: F.pn.templateId, serialNumber: 'b4c1d2e3f4a5b6c7d8', pass: {} } });
        const result = await run(op);
        assert.deepEqual({ ...result }, { created: true, serial: 'b4c1d2e3f4a5b6c7d8', url: 'https://passninja.com/p/b4c1d2e3f4a5b6c7d8', status: 200 });
      });

      it('response with passTemplate and urls.landing → url is the landing URL (never the expiring apple/google ones)', async () => {
        F.pn.script({
          status: 201,
          body: {
            passTemplate: F.pn.templateId,
            serialNumber: 'c0ffee00c0ffee00c0',
            urls: { landing: 'https://passninja.com/p/c0ffee00c0ffee00c0?l=1', apple: 'https://apple.fake/x?sig=1', google: 'https://google.fake/y?sig=2' },
          },
        });
        const result = await run(op);
        assert.deepEqual({ ...result }, { created: true, serial: 'c0ffee00c0ffee00c0', url: 'https://passninja.com/p/c0ffee00c0ffee00c0?l=1', status: 201 });
      });

      it('skipIfPassExists: false → POSTs even when the profile has external_id', async () => {
        const result = await run(op, { skipIfPassExists: false }, withPass);
        assert.equal(result.created, true);
        assert.equal(F.pn.requests.length, 1);
        assert.equal(F.pn.requests[0].method, 'POST');
        assert.equal(F.pn.requests[0].url, '/v1/passes');
        assert.deepEqual(F.pn.requests[0].json, { passTemplate: F.pn.templateId, pass: { 'points-balance': '3', 'loyalty-tier': 'Standard' } });
      });

      it('skipIfPassExists: true (explicit) → skip', async () => {
        const result = await run(op, { skipIfPassExists: true }, withPass);
        assert.deepEqual({ ...result }, { skipped: true, reason: 'pass already exists' });
        assert.equal(total(), 0);
      });

      it('PASSBRIDGE_SKIP_IF_PASS_EXISTS=false in the environment → POSTs', async () => {
        const result = await run(op, { env: { PASSBRIDGE_SKIP_IF_PASS_EXISTS: 'false' } }, withPass);
        assert.equal(result.created, true);
        assert.equal(F.pn.requests.length, 1);
      });
    });

    describe('PassNinja delete: 404 from the fake (pass really unknown)', () => {
      it('→ rejects with not_found (a distinct, coded error), one attempt', async () => {
        const strict = await startFakePassNinja({ knownSerialsOnly: true });
        try {
          const h = mod.createHandler({ provider: 'passninja', operation: 'delete', env: strict.env() });
          const err = await rejection(h(null, person({ external_id: SERIAL }), CONTEXT));
          assertPassbridgeError(err, { code: 'not_found', status: 404, secret: strict.apiKey });
          assert.ok(err.message.includes('Pass not found'), err.message);
          assert.equal(err.attempts, 1);
          assert.equal(strict.requests.length, 1);
          assert.equal(strict.requests[0].method, 'DELETE');
        } finally {
          await strict.stop();
        }
      });
    });

    describe('The Wallet Crew pushUpdate: options', () => {
      const op = OPS.find((o) => o.id === 'walletcrew pushUpdate');
      const profile = person({ email: EMAIL, phone_number: PHONE, external_id: CUSTOMER, properties: { loyalty_points: 1200, tier: 'Gold', loyalty_id: 'L-9' } });

      it('fields → additionalData (strings), passType, updateMetadata: true; only the four allowed keys', async () => {
        const result = await run(op, {
          fields: { points: '{{ person.properties.loyalty_points }}', tier: '{{ person.properties.tier }}' },
          passType: 'premium',
          updateMetadata: true,
        }, profile);
        assert.deepEqual({ ...result }, { updated: true, status: 200 });
        const [rec] = F.wc.requests;
        assert.deepEqual(rec.json, {
          identifiers: { email: EMAIL, phone: PHONE, customerId: CUSTOMER },
          passType: 'premium',
          additionalData: { points: '1200', tier: 'Gold' },
          updateMetadata: true,
        });
        assert.deepEqual(F.wc.pushes.length, 1, 'the validating fake accepted it');
      });

      it('without fields and passType: no additionalData or passType keys, updateMetadata false is still sent', async () => {
        await run(op, {}, profile);
        const [rec] = F.wc.requests;
        assert.deepEqual(keysOf(rec.json), ['identifiers', 'updateMetadata']);
        assert.equal(rec.json.updateMetadata, false);
        for (const k of Object.keys(rec.json)) assert.ok(PUSH_UPDATE_KEYS.includes(k), k);
      });

      it('identifiers option replaces the defaults; empty ones are left out', async () => {
        const identifiers = {
          email: '{{ person.email }}',
          loyaltyId: '{{ person.properties.loyalty_id }}',
          storeCard: '{{ person.properties.store_card }}',
        };
        await run(op, { identifiers }, profile);
        assert.deepEqual(F.wc.requests[0].json.identifiers, { email: EMAIL, loyaltyId: 'L-9' });
      });

      it('default identifiers: only the non-empty ones (phone only)', async () => {
        await run(op, {}, person({ phone_number: PHONE, email: '' }));
        assert.deepEqual(F.wc.requests[0].json.identifiers, { phone: PHONE });
      });

      it('identifiers option rendering all empty → skip "no identifiers", nothing sent', async () => {
        const result = await run(op, { identifiers: { loyaltyId: '{{ person.properties.nope }}' } }, profile);
        assert.deepEqual({ ...result }, { skipped: true, reason: 'no identifiers' });
        assert.equal(total(), 0);
      });

      it('the tenant id is percent-encoded as one path segment', async () => {
        const tenant = "acme/eu?x#1%;it's";
        const fake = await startFakeWalletCrew({ tenantId: tenant });
        try {
          const h = mod.createHandler({ provider: 'walletcrew', env: fake.env() });
          assert.deepEqual({ ...(await h(null, profile, CONTEXT)) }, { updated: true, status: 200 });
          const [rec] = fake.requests;
          assert.equal(rec.url, fake.pushUpdatePath(encodeSegment(tenant)));
          assert.equal(rec.segments[2], tenant);
          assert.equal(rec.query, '');
        } finally {
          await fake.stop();
        }
      });

      for (const tenant of ['..', '.']) {
        it(`WALLETCREW_TENANT_ID ${JSON.stringify(tenant)} never changes the request path`, async () => {
          let err;
          try {
            await run(op, { env: { WALLETCREW_TENANT_ID: tenant } }, profile);
          } catch (e) {
            err = e;
          }
          for (const rec of F.wc.requests) {
            assert.equal(rec.segments.length, 8, `the server received ${rec.url}`);
            assert.equal(rec.segments[2], tenant, `the server received ${rec.url}`);
          }
          if (F.wc.requests.length === 0) {
            assert.ok(err, 'either sent as one segment or refused');
            assertPassbridgeError(err, { code: 'invalid_config', prefix: WC, secret: F.wc.apiKey });
            assert.ok(err.message.includes('WALLETCREW_TENANT_ID'), err.message);
          }
        });
      }

      it('an invalid template in identifiers throws invalid_template at creation, with the provider prefix', () => {
        const err = thrown(() => mod.createHandler({ provider: 'walletcrew', identifiers: { email: '{{ person.email|nope }}' } }));
        assertPassbridgeError(err, { code: 'invalid_template', prefix: WC });
        assert.ok(err.message.includes("'email'"), err.message);
      });

      it('a 400 listing several fields names each "field: message"', async () => {
        F.wc.script({
          status: 400,
          body: problem(400, { errors: { 'identifiers.email': ['Not a valid e-mail.', 'Too long.'], additionalData: ['Unknown field points.'] } }),
        });
        const err = await rejection(run(op, {}, profile));
        assertPassbridgeError(err, { code: 'rejected', status: 400, prefix: WC, secret: F.wc.apiKey });
        for (const t of ['identifiers.email: Not a valid e-mail.', 'Too long.', 'additionalData: Unknown field points.']) {
          assert.ok(err.message.includes(t), `${t} in ${err.message}`);
        }
      });

      it('the key echoed inside problem details is redacted', async () => {
        F.wc.script({ status: 401, body: problem(401, { detail: 'API key {key} is revoked' }), echoKey: true });
        const err = await rejection(run(op, {}, profile));
        assertPassbridgeError(err, { code: 'unauthorized', status: 401, prefix: WC, secret: F.wc.apiKey });
        assert.ok(err.message.includes('API key *** is revoked'), err.message);
      });
    });

    describe('The Wallet Crew profileSync: bodies', () => {
      const op = OPS.find((o) => o.id === 'walletcrew profileSync');
      it('only an email → phone_number null', async () => {
        const result = await run(op, {}, person({ email: ` ${EMAIL} ` }));
        assert.deepEqual({ ...result }, { synced: true, status: 202 });
        assert.deepEqual(F.wc.requests[0].json, { email: EMAIL, phone_number: null });
        assert.equal(F.wc.syncs.length, 1);
      });
      it('only a phone → email null', async () => {
        await run(op, {}, person({ phone_number: PHONE }));
        assert.deepEqual(F.wc.requests[0].json, { email: null, phone_number: PHONE });
      });
      it('a 200 answer is success too → { synced: true, status: 200 }', async () => {
        F.wc.script({ status: 200, body: '' });
        assert.deepEqual({ ...(await run(op)) }, { synced: true, status: 200 });
      });
      it('never sends identifiers, fields or other keys (the fake rejects unknown keys)', async () => {
        await run(op, { fields: { a: '{{ person.email }}' }, passType: 'x', updateMetadata: true });
        assert.deepEqual(keysOf(F.wc.requests[0].json), ['email', 'phone_number']);
      });
    });

    describe('JeriCommerce balance: delta and reason', () => {
      const op = OPS.find((o) => o.id === 'jericommerce balance');
      const ada = person({ email: EMAIL });

      const cases = [
        ['a negative number → decrease by its absolute value', -40, 'decrease', 40],
        ['a decimal', 12.5, 'increase', 12.5],
        ['a numeric string with spaces', ' 30 ', 'increase', 30],
        ['a negative numeric string', '-7', 'decrease', 7],
      ];
      for (const [label, points, direction, amount] of cases) {
        it(`delta ${label} (${JSON.stringify(points)}) → ${direction} ${amount}`, async () => {
          const result = await run(op, {}, ada, event({ points, product: 'x' }));
          assert.deepEqual({ ...result }, { updated: true, direction, amount, status: 200 });
          const [rec] = F.jc.requests;
          assert.equal(rec.url, F.jc.balancePath(direction));
          assert.deepEqual(rec.json, [{ email: EMAIL, amount, reason: 'Bonus for x' }]);
          assert.equal(F.jc.balanceOf(EMAIL), direction === 'increase' ? amount : -amount);
        });
      }

      const invalid = [
        ['a text', 'abc', "got a string 'abc'"],
        ['missing', undefined, 'got missing'],
        ['a boolean', true, 'got a boolean'],
        ['null', null, 'got null'],
      ];
      for (const [label, points, says] of invalid) {
        it(`delta ${label} → invalid_profile naming the type (${says}), nothing sent`, async () => {
          const props = { product: 'x' };
          if (points !== undefined) props.points = points;
          const spy = forbiddenFetch();
          const err = await rejection(run(op, { fetch: spy.fetch }, ada, event(props)));
          assertPassbridgeError(err, { code: 'invalid_profile', prefix: JC, secret: F.jc.apiKey });
          assert.ok(err.message.includes(says), err.message);
          assert.equal(spy.calls.length, 0);
          assert.equal(total(), 0);
        });
      }

      it('a literal delta given in code (a number) is used', async () => {
        const result = await run(op, { delta: -3 }, ada);
        assert.deepEqual({ ...result }, { updated: true, direction: 'decrease', amount: 3, status: 200 });
      });

      it('reason missing → missing_config naming the option/variable, nothing sent', async () => {
        const h = mod.createHandler({ provider: 'jericommerce', delta: '{{ event.points }}', env: ENV() });
        const err = await rejection(h(BALANCE_EVENT, ada, CONTEXT));
        assertPassbridgeError(err, { code: 'missing_config', prefix: JC, secret: F.jc.apiKey });
        assert.match(err.message, /reason|PASSBRIDGE_REASON/);
        assert.equal(total(), 0);
      });

      it('delta missing → missing_config naming the option/variable, nothing sent', async () => {
        const h = mod.createHandler({ provider: 'jericommerce', reason: 'x', env: ENV() });
        const err = await rejection(h(BALANCE_EVENT, ada, CONTEXT));
        assertPassbridgeError(err, { code: 'missing_config', prefix: JC, secret: F.jc.apiKey });
        assert.match(err.message, /delta|PASSBRIDGE_DELTA/);
        assert.equal(total(), 0);
      });

      it('an invalid delta template throws invalid_template at creation, with the provider prefix', () => {
        const err = thrown(() => mod.createHandler({ provider: 'jericommerce', delta: '{{ event.points|nope }}', reason: 'x' }));
        assertPassbridgeError(err, { code: 'invalid_template', prefix: JC });
      });

      it('the program slug is percent-encoded as one path segment', async () => {
        const slug = 'acme/rewards?x#1';
        const fake = await startFakeJeriCommerce({ slug });
        try {
          const h = mod.createHandler({ provider: 'jericommerce', ...BALANCE_OPTIONS, env: fake.env() });
          const result = await h(BALANCE_EVENT, ada, CONTEXT);
          assert.equal(result.updated, true);
          const [rec] = fake.requests;
          assert.equal(rec.url, fake.balancePath('increase', encodeSegment(slug)));
          assert.equal(rec.segments[3], slug);
        } finally {
          await fake.stop();
        }
      });
    });

    describe('JeriCommerce: a balance change is sent EXACTLY ONCE', () => {
      const op = OPS.find((o) => o.id === 'jericommerce balance');
      const cases = [
        ['500 after the points were applied', [{ status: 500, apply: true }, 'ok', 'ok'], {}, 'upstream_unavailable', 500, 25],
        ['429 with Retry-After: 0', [{ status: 429, retryAfter: 0 }, 'ok', 'ok'], {}, 'throttled', 429, 0],
        ['502', [502, 'ok', 'ok'], {}, 'upstream_unavailable', 502, 0],
        ['a hang (timeout), budgetMs 600', ['hang', 'ok', 'ok'], { budgetMs: 600 }, 'network', null, 0],
      ];
      for (const [label, steps, options, code, status, balance] of cases) {
        it(`${label} → ${code}, retryable, one request, balance credited ${balance ? 'once' : 'never'}`, async () => {
          F.jc.script(...steps);
          const err = await rejection(run(op, options));
          assertPassbridgeError(err, { code, status, retryable: true, prefix: JC, secret: F.jc.apiKey });
          assert.equal(err.attempts, 1);
          await sleep(GRACE_MS);
          checkReceived(op, 1);
          assert.equal(F.jc.balanceOf(EMAIL), balance);
        });
      }
    });

    describe('configured only by the PASSBRIDGE_* environment (createHandler() and the default handler)', () => {
      const envFor = (op) => ({
        ...clearedProviderEnv(),
        ...ENV(),
        PASSBRIDGE_PROVIDER: op.provider,
        PASSBRIDGE_OPERATION: op.operation,
        ...op.env,
      });
      let imports = 0;
      for (const op of OPS) {
        it(`${op.id}: createHandler() with no options sends the contract request`, async () => {
          const restore = setEnv(envFor(op));
          try {
            const result = await mod.createHandler()(op.event, op.profile, CONTEXT);
            assert.deepEqual({ ...result }, op.result(F));
            checkReceived(op, 1);
          } finally {
            restore();
          }
        });
        it(`${op.id}: the default export of a fresh import does the same`, async () => {
          const restore = setEnv(envFor(op));
          try {
            const fresh = await import(`${url.href}?env-route=${++imports}`);
            assert.equal(fresh.default, fresh.handler);
            const result = await fresh.default(op.event, op.profile, CONTEXT);
            assert.deepEqual({ ...result }, op.result(F));
            checkReceived(op, 1);
          } finally {
            restore();
          }
        });
      }

      it('walletcrew pushUpdate: PASSBRIDGE_IDENTIFIERS, PASSBRIDGE_FIELDS, PASSBRIDGE_PASS_TYPE, PASSBRIDGE_UPDATE_METADATA', async () => {
        const op = OPS.find((o) => o.id === 'walletcrew pushUpdate');
        const restore = setEnv({
          ...envFor(op),
          PASSBRIDGE_IDENTIFIERS: JSON.stringify({ customerId: '{{ person.external_id }}', email: '{{ person.email }}' }),
          PASSBRIDGE_FIELDS: JSON.stringify({ points: '{{ person.properties.loyalty_points }}' }),
          PASSBRIDGE_PASS_TYPE: 'vip',
          PASSBRIDGE_UPDATE_METADATA: 'true',
        });
        try {
          const result = await mod.createHandler()(null, op.profile, CONTEXT);
          assert.deepEqual({ ...result }, { updated: true, status: 200 });
          assert.deepEqual(F.wc.requests[0].json, {
            identifiers: { customerId: CUSTOMER, email: EMAIL },
            passType: 'vip',
            additionalData: { points: '7' },
            updateMetadata: true,
          });
        } finally {
          restore();
        }
      });

      // Contract: every error message starts with the provider prefix — also
      // when the provider itself was chosen by PASSBRIDGE_PROVIDER.
      const broken = [
        ['walletcrew pushUpdate', 'PASSBRIDGE_IDENTIFIERS', '{not json', WC],
        ['walletcrew profileSync', 'PASSBRIDGE_UPDATE_METADATA', 'maybe', WC],
        ['jericommerce balance', 'PASSBRIDGE_BUDGET_MS', 'soon', JC],
        ['jericommerce balance', 'PASSBRIDGE_FIELDS', '["a"]', JC],
      ];
      for (const [id, variable, value, prefix] of broken) {
        it(`${id} chosen by PASSBRIDGE_PROVIDER, ${variable}=${JSON.stringify(value)} → invalid_config with the prefix ${JSON.stringify(prefix)}`, async () => {
          const op = OPS.find((o) => o.id === id);
          const restore = setEnv({ ...envFor(op), [variable]: value });
          try {
            const err = await rejection(mod.createHandler()(op.event, op.profile, CONTEXT));
            assertPassbridgeError(err, { code: 'invalid_config', prefix, secret: fakeOf(op).apiKey });
            assert.ok(err.message.includes(variable), err.message);
            assert.equal(total(), 0);
          } finally {
            restore();
          }
        });
      }

      it('passninja create: PASSBRIDGE_SKIP_IF_PASS_EXISTS=false', async () => {
        const op = OPS.find((o) => o.id === 'passninja create');
        const restore = setEnv({ ...envFor(op), PASSBRIDGE_SKIP_IF_PASS_EXISTS: 'false' });
        try {
          const result = await mod.createHandler()(null, person({ email: EMAIL, external_id: SERIAL }), CONTEXT);
          assert.equal(result.created, true);
          assert.equal(F.pn.requests.length, 1);
        } finally {
          restore();
        }
      });
    });

    describe('an option given in code wins over the environment', () => {
      const wcPush = OPS.find((o) => o.id === 'walletcrew pushUpdate');
      const pnCreate = OPS.find((o) => o.id === 'passninja create');
      const jcBalance = OPS.find((o) => o.id === 'jericommerce balance');

      it('provider and operation', async () => {
        const h = mod.createHandler({
          provider: 'walletcrew', operation: 'profileSync',
          env: ENV({ PASSBRIDGE_PROVIDER: 'jericommerce', PASSBRIDGE_OPERATION: 'balance', ...BALANCE_ENV }),
        });
        assert.deepEqual({ ...(await h(BALANCE_EVENT, person({ email: EMAIL }), CONTEXT)) }, { synced: true, status: 202 });
        assert.equal(F.wc.requests.length, 1);
        assert.equal(F.wc.requests[0].url, F.wc.profileSyncPath());
        assert.equal(total(), 1);
      });

      it('operation alone (provider from the environment)', async () => {
        const h = mod.createHandler({ operation: 'delete', env: ENV({ PASSBRIDGE_PROVIDER: 'passninja', PASSBRIDGE_OPERATION: 'update' }) });
        assert.deepEqual({ ...(await h(null, person({ external_id: SERIAL }), CONTEXT)) }, { deleted: true, status: 200 });
        assert.equal(F.pn.requests[0].method, 'DELETE');
      });

      it('fields, identifiers, passType, updateMetadata: false', async () => {
        const env = {
          PASSBRIDGE_FIELDS: JSON.stringify({ fromEnv: '{{ person.email }}' }),
          PASSBRIDGE_IDENTIFIERS: JSON.stringify({ phone: '{{ person.phone_number }}' }),
          PASSBRIDGE_PASS_TYPE: 'env-type',
          PASSBRIDGE_UPDATE_METADATA: 'true',
        };
        await run(wcPush, {
          env,
          fields: { fromCode: '{{ person.properties.loyalty_points }}' },
          identifiers: { email: '{{ person.email }}' },
          passType: 'code-type',
          updateMetadata: false,
        });
        assert.deepEqual(F.wc.requests[0].json, {
          identifiers: { email: EMAIL },
          passType: 'code-type',
          additionalData: { fromCode: '7' },
          updateMetadata: false,
        });
      });

      it('delta and reason', async () => {
        const result = await run(jcBalance, {
          env: { PASSBRIDGE_DELTA: '{{ event.points }}', PASSBRIDGE_REASON: 'from env' },
          delta: '-{{ event.points }}',
          reason: 'from code',
        });
        assert.deepEqual({ ...result }, { updated: true, direction: 'decrease', amount: 25, status: 200 });
        assert.deepEqual(F.jc.requests[0].json, [{ email: EMAIL, amount: 25, reason: 'from code' }]);
      });

      it('skipIfPassExists: true in code beats PASSBRIDGE_SKIP_IF_PASS_EXISTS=false', async () => {
        const result = await run(pnCreate, { env: { PASSBRIDGE_SKIP_IF_PASS_EXISTS: 'false' }, skipIfPassExists: true }, person({ external_id: SERIAL }));
        assert.deepEqual({ ...result }, { skipped: true, reason: 'pass already exists' });
        assert.equal(total(), 0);
      });

      it('skipIfPassExists: false in code beats PASSBRIDGE_SKIP_IF_PASS_EXISTS=true', async () => {
        const result = await run(pnCreate, { env: { PASSBRIDGE_SKIP_IF_PASS_EXISTS: 'true' }, skipIfPassExists: false }, person({ external_id: SERIAL }));
        assert.equal(result.created, true);
      });

      it('budgetMs: 300 in code beats PASSBRIDGE_BUDGET_MS=8000 (a hang rejects quickly)', async () => {
        F.wc.script('hang', 'hang');
        const started = Date.now();
        const err = await rejection(run(wcPush, { env: { PASSBRIDGE_BUDGET_MS: '8000' }, budgetMs: 300 }));
        assert.equal(err.code, 'network');
        assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      });

      it('with process.env too: code provider walletcrew beats PASSBRIDGE_PROVIDER=passninja', async () => {
        const restore = setEnv({ ...clearedProviderEnv(), ...ENV(), PASSBRIDGE_PROVIDER: 'passninja', PASSBRIDGE_OPERATION: 'update' });
        try {
          const result = await mod.createHandler({ provider: 'walletcrew', operation: 'pushUpdate' })(null, wcPush.profile, CONTEXT);
          assert.deepEqual({ ...result }, { updated: true, status: 200 });
          checkReceived(wcPush, 1);
        } finally {
          restore();
        }
      });
    });

    describe('provider and operation names', () => {
      for (const [provider, operation] of [['walletcrew', 'balance'], ['jericommerce', 'update'], ['passninja', 'pushUpdate']]) {
        it(`${provider} / ${operation} (not an operation of that provider) → invalid_config, nothing sent`, async () => {
          let err;
          try {
            err = await rejection(mod.createHandler({ provider, operation, ...BALANCE_OPTIONS, env: ENV() })(BALANCE_EVENT, person({ email: EMAIL, external_id: SERIAL }), CONTEXT));
          } catch (e) {
            err = e;
          }
          assert.equal(err.code, 'invalid_config', err.message);
          assert.ok(err.message.includes(operation), err.message);
          assert.equal(total(), 0);
        });
      }
    });
  });
}
