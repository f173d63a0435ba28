// The work a call may do (issue 20, items 1 and 2), through the wasm: a call
// reads each value of the profile once however its loops and conditions use
// it (counted with a Proxy profile), the work budget's error, and filters
// that would build more than 65,536 bytes refused without a trap. Not timed:
// `make bench` (bench/template-work.mjs) has the timings.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MODULES } from './helpers.mjs';

const ENV = { PASSNINJA_API_KEY: 'sk_work_key_123', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x2' };
const VNB = '{% for x in person.properties.viewed %}{% if x in person.properties.purchased %}{{ x }},{% endif %}{% endfor %}';
const skus = (from, to) => Array.from({ length: to - from }, (_, i) => `SKU-${String(from + i).padStart(4, '0')}`);

/** `value` with every object and array behind a Proxy that counts each read, by path. */
function counted(value, reads, path = 'profile') {
  if (typeof value !== 'object' || value === null) return value;
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      const at = `${path}.${String(key)}`;
      reads.set(at, (reads.get(at) ?? 0) + 1);
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== 'object' || v === null) return v;
      if (!children.has(key)) children.set(key, counted(v, reads, at));
      return children.get(key);
    },
  });
}

for (const mod of MODULES) {
  describe(`template work — ${mod.name}`, () => {
    it('reads each list, item and value of the profile once per call', async () => {
      const { createHandler } = await import(mod.url);
      const fields = {
        bought: VNB,
        all: "{{ person.properties.viewed|join:',' }}",
        count: '{{ person.properties.viewed|length }}/{{ person.properties.purchased|length }}',
        first: "{% if 'SKU-0000' in person.properties.purchased %}yes{% else %}no{% endif %}",
        tier: '{{ person.tier }}{{ person.properties.tier }}',
        again: VNB,
      };
      const handler = createHandler({ env: ENV, dryRun: true, fields });
      const reads = new Map();
      const purchased = skus(0, 300).filter((_, i) => i % 3 === 0).reverse();
      const profile = counted({ external_id: 'S1', properties: { viewed: skus(0, 300), purchased, tier: 'gold' } }, reads);
      const result = await handler(null, profile, {});
      const pass = JSON.parse(result.request.body).pass;
      const bought = skus(0, 300).filter((_, i) => i % 3 === 0).map((s) => `${s},`).join('');
      assert.equal(pass.bought, bought);
      assert.equal(pass.again, bought);
      assert.equal(pass.count, '300/100');
      assert.equal(pass.first, 'yes');
      assert.equal(pass.tier, 'goldgold');
      const twice = [...reads].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], 'read more than once');
      assert.equal(reads.get('profile.properties.viewed.299'), 1);
      assert.equal(reads.get('profile.properties.purchased.99'), 1);
    });

    it('the viewed/purchased mapping with two 1,000-item lists renders; a call over the budget is invalid_profile naming the field', async () => {
      const { createHandler } = await import(mod.url);
      const one = createHandler({ env: ENV, dryRun: true, fields: { bought: VNB } });
      const result = await one(null, { external_id: 'S1', properties: { viewed: skus(0, 1000), purchased: skus(500, 1500) } }, {});
      assert.equal(JSON.parse(result.request.body).pass.bought, skus(500, 1000).map((s) => `${s},`).join(''));
      // Lists of lists are compared item by item: a million compares.
      const pairs = (from) => Array.from({ length: 1000 }, (_, i) => [from + i, 'x']);
      await assert.rejects(one(null, { external_id: 'S1', properties: { viewed: pairs(0), purchased: pairs(1000) } }, {}), (e) => {
        assert.equal(e.code, 'invalid_profile');
        assert.match(e.message, /^PassNinja error: field 'bought': the call's work budget is spent \(4000000 units/);
        return true;
      });
    });

    it('refuses a text a filter would build past 65,536 bytes, without a trap', async () => {
      const { createHandler } = await import(mod.url);
      for (const n of [65, 70]) {
        const handler = createHandler({ env: ENV, dryRun: true, fields: { b: `{{ 'x'${'|base64_encode'.repeat(n)}|length }}` } });
        await assert.rejects(handler(null, { external_id: 'S1' }, {}), (e) => {
          assert.equal(e.code, 'invalid_profile');
          assert.equal(e.message, "PassNinja error: field 'b': base64_encode would build a text longer than 65536 bytes");
          return true;
        });
      }
      const date = createHandler({ env: ENV, dryRun: true, fields: { d: `{{ person.properties.d|date:'${'r'.repeat(3950)}'|length }}` } });
      await assert.rejects(date(null, { external_id: 'S1', properties: { d: '2024-03-01T10:00:00Z' } }, {}), (e) => e.code === 'invalid_profile');
      // The instance is whole: the next call renders.
      const fine = createHandler({ env: ENV, dryRun: true, fields: { b: `{{ 'x'${'|base64_encode'.repeat(32)}|length }}` } });
      assert.equal(JSON.parse((await fine(null, { external_id: 'S1' }, {})).request.body).pass.b, '62008');
    });
  });
}
