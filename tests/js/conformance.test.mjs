// Conformance with seed 000 (PassNinja's "Update a Pass from a Klaviyo Flow",
// Method 2: Code Block — seed 000, quoted in docs/providers.md (PassNinja)).
//
// For each profile of the table, the request our handler sends (as captured by
// the fake PassNinja) must equal the request seed 000's code would send, except
// for the documented improvements (docs/providers.md):
//   1. the serial is trimmed and percent-encoded as one path segment
//      (seed interpolates it raw into the URL);
//   2. every pass value is a string (seed sends `loyalty_tier` raw, so a number
//      stays a number).

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFakePassNinja, TRANSPORT_HEADERS } from './fake-passninja.mjs';
import { MODULES, CONTEXT, EVENT, encodeSegment, rejection, chosenHeaders } from './helpers.mjs';

/**
 * Seed 000's code block as a pure function: what it would send for `profile`
 * with `env`, or its skip result. Faithful to the seed, quirks included; the
 * only change is that the base URL (hard-coded https://api.passninja.com in the
 * seed) is a parameter so the fake server can stand in for PassNinja.
 */
function seed000Request(profile, env, base = 'https://api.passninja.com') {
  const attrs = profile.data.attributes;
  const serial = attrs.external_id;
  if (!serial) {
    return { skipped: true, reason: 'no active pass' };
  }
  return {
    method: 'PATCH',
    url: `${base}/v1/passes/${env.PASSNINJA_TEMPLATE_ID}/${serial}`,
    headers: {
      'X-API-KEY': env.PASSNINJA_API_KEY,
      'X-ACCOUNT-ID': env.PASSNINJA_ACCOUNT_ID,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      pass: {
        'points-balance': String(attrs.properties?.loyalty_points ?? 0),
        'loyalty-tier': attrs.properties?.loyalty_tier ?? 'Standard',
      },
    }),
  };
}

/** Seed 000's request with the documented improvements applied. */
function withDocumentedImprovements(seedRequest, profile, env, base) {
  const serial = String(profile.data.attributes.external_id).trim();
  const { pass } = JSON.parse(seedRequest.body);
  return {
    ...seedRequest,
    url: `${base}/v1/passes/${env.PASSNINJA_TEMPLATE_ID}/${encodeSegment(serial)}`,
    body: JSON.stringify({ pass: Object.fromEntries(Object.entries(pass).map(([k, v]) => [k, String(v)])) }),
  };
}

/**
 * Seed 000's code block itself, transcribed verbatim except for the base URL and
 * `process.env` (a parameter here), used to check that seed000Request really is
 * what the seed puts on the wire, and to compare outcomes.
 */
function seed000Handler(base, env) {
  const process = { env };
  return async (event, profile, context) => {
    const attrs = profile.data.attributes;
    const serial = attrs.external_id;
    if (!serial) {
      return { skipped: true, reason: 'no active pass' };
    }
    const response = await fetch(
      `${base}/v1/passes/${process.env.PASSNINJA_TEMPLATE_ID}/${serial}`,
      {
        method: 'PATCH',
        headers: {
          'X-API-KEY': process.env.PASSNINJA_API_KEY,
          'X-ACCOUNT-ID': process.env.PASSNINJA_ACCOUNT_ID,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          pass: {
            'points-balance': String(attrs.properties?.loyalty_points ?? 0),
            'loyalty-tier': attrs.properties?.loyalty_tier ?? 'Standard',
          },
        }),
      },
    );
    if (!response.ok) {
      const error = await response.json();
      throw new Error(`PassNinja error: ${JSON.stringify(error)}`);
    }
    return { updated: true };
  };
}

const SERIAL = '4f1d2c3b5a69788796';
const profile = (properties, extra = {}) => ({
  data: {
    type: 'profile',
    id: '01HCONFORMANCE',
    attributes: { email: 'grace@example.com', external_id: SERIAL, ...extra, ...(properties === undefined ? {} : { properties }) },
  },
});

/** The table. `differs` names the documented improvement that makes us differ from the seed, if any. */
const TABLE = [
  { label: 'points a number, tier set', profile: profile({ loyalty_points: 1500, loyalty_tier: 'Gold' }) },
  { label: 'points missing', profile: profile({ loyalty_tier: 'Silver' }) },
  { label: 'points null', profile: profile({ loyalty_points: null, loyalty_tier: 'Silver' }) },
  { label: 'points 0', profile: profile({ loyalty_points: 0, loyalty_tier: 'Bronze' }) },
  { label: 'tier missing', profile: profile({ loyalty_points: 10 }) },
  { label: 'tier null', profile: profile({ loyalty_points: 10, loyalty_tier: null }) },
  { label: 'tier set (with spaces and unicode)', profile: profile({ loyalty_points: 250, loyalty_tier: 'Platinum Élite ★' }) },
  {
    label: 'extra properties and attributes are ignored',
    profile: profile(
      { loyalty_points: 75, loyalty_tier: 'Gold', birthday: '1990-01-01', nested: { a: [1, 2] }, tags: ['vip'], loyalty_points_pending: 5 },
      { first_name: 'Grace', phone_number: '+15005550006', location: { city: 'Paris' } },
    ),
  },
  { label: 'float points 12.5', profile: profile({ loyalty_points: 12.5, loyalty_tier: 'Gold' }) },
  { label: 'string points "1,500"', profile: profile({ loyalty_points: '1,500', loyalty_tier: 'Gold' }) },
  { label: 'empty string points and tier', profile: profile({ loyalty_points: '', loyalty_tier: '' }) },
  { label: 'properties missing', profile: profile(undefined) },
  { label: 'properties null', profile: profile(null) },
  { label: 'tier a number (seed sends 3, we send "3")', profile: profile({ loyalty_points: 1, loyalty_tier: 3 }), differs: 'every value a string' },
  { label: 'tier a boolean (seed sends true, we send "true")', profile: profile({ loyalty_points: 1, loyalty_tier: true }), differs: 'every value a string' },
  {
    label: 'serial with a space and a slash (seed sends it raw)',
    profile: { data: { attributes: { external_id: 'ab 12/34', properties: { loyalty_points: 3 } } } },
    differs: 'serial percent-encoded',
  },
  {
    label: 'serial with surrounding spaces (seed keeps them)',
    profile: { data: { attributes: { external_id: ` ${SERIAL} `, properties: { loyalty_points: 3 } } } },
    differs: 'serial percent-encoded',
  },
];

it('the documented improvements change exactly the rows marked so', () => {
  const env = { PASSNINJA_API_KEY: 'k', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x2' };
  for (const row of TABLE) {
    const seed = seed000Request(row.profile, env, 'http://x');
    const improved = withDocumentedImprovements(seed, row.profile, env, 'http://x');
    if (row.differs) assert.notDeepEqual(improved, seed, row.label);
    else assert.deepEqual(improved, seed, row.label);
  }
});

for (const { name, url } of MODULES) {
  describe(`${name} conforms to seed 000`, () => {
    let mod;
    let fake;
    let env;
    before(async () => {
      mod = await import(url);
      fake = await startFakePassNinja();
      env = fake.env();
    });
    after(() => fake.stop());
    beforeEach(() => {
      fake.reset();
    });

    for (const row of TABLE) {
      it(`${row.label}${row.differs ? ` — differs by design: ${row.differs}` : ''}`, async () => {
        const expected = withDocumentedImprovements(seed000Request(row.profile, env, fake.url), row.profile, env, fake.url);
        const result = await mod.createHandler({ env })(EVENT, row.profile, CONTEXT);
        assert.equal(result.updated, true);
        assert.equal(fake.requests.length, 1);
        const [rec] = fake.requests;
        const sent = {
          method: rec.method,
          url: `${fake.url}${rec.url}`,
          headers: chosenHeaders(rec, TRANSPORT_HEADERS),
          body: rec.body,
        };
        const want = {
          ...expected,
          headers: Object.fromEntries(Object.entries(expected.headers).map(([k, v]) => [k.toLowerCase(), v])),
        };
        assert.deepEqual(sent, want);
      });
    }

    for (const [label, externalId] of [['missing', undefined], ['null', null], ['""', '']]) {
      it(`external_id ${label}: the same skip result as the seed, nothing sent`, async () => {
        const p = { data: { attributes: { properties: { loyalty_points: 1 } } } };
        if (externalId !== undefined) p.data.attributes.external_id = externalId;
        const seed = seed000Request(p, env, fake.url);
        const ours = await mod.createHandler({ env })(EVENT, p, CONTEXT);
        assert.deepEqual({ ...ours }, seed);
        assert.equal(fake.requests.length, 0);
      });
    }

    it('success: like the seed, resolves { updated: true } (plus the status)', async () => {
      const p = profile({ loyalty_points: 5 });
      const seedResult = await seed000Handler(fake.url, env)(EVENT, p, CONTEXT);
      const ours = await mod.createHandler({ env })(EVENT, p, CONTEXT);
      assert.deepEqual(seedResult, { updated: true });
      assert.deepEqual({ ...ours, status: undefined }, { ...seedResult, status: undefined });
      assert.equal(ours.status, 200);
    });

    it('404: like the seed, rejects with "PassNinja error: …" carrying the provider message', async () => {
      const p = profile({ loyalty_points: 5 });
      fake.script({ status: 404, body: { error: 'Pass not found' } }, { status: 404, body: { error: 'Pass not found' } });
      const seedErr = await rejection(seed000Handler(fake.url, env)(EVENT, p, CONTEXT));
      const ours = await rejection(mod.createHandler({ env })(EVENT, p, CONTEXT));
      assert.equal(seedErr.message, 'PassNinja error: {"error":"Pass not found"}');
      assert.ok(ours instanceof Error);
      assert.ok(ours.message.startsWith('PassNinja error: '), ours.message);
      assert.ok(ours.message.includes('Pass not found'), ours.message);
      assert.equal(ours.code, 'not_found');
    });
  });
}

describe('the pure seed function matches what seed 000 puts on the wire', () => {
  let fake;
  before(async () => {
    fake = await startFakePassNinja();
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.reset();
  });
  for (const row of TABLE.filter((r) => !r.differs)) {
    it(row.label, async () => {
      const env = fake.env();
      await seed000Handler(fake.url, env)(EVENT, row.profile, CONTEXT);
      const [rec] = fake.requests;
      const pure = seed000Request(row.profile, env, fake.url);
      assert.deepEqual(
        { method: rec.method, url: `${fake.url}${rec.url}`, headers: chosenHeaders(rec, TRANSPORT_HEADERS), body: rec.body },
        { ...pure, headers: Object.fromEntries(Object.entries(pure.headers).map(([k, v]) => [k.toLowerCase(), v])) },
      );
    });
  }
});
