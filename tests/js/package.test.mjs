// The plain package: `import "passbridge"` resolves through the exports map
// (Node's self-reference), and every subpath loads with the same API.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('package exports', () => {
  it('"passbridge" and "passbridge/code-action" export createHandler, handler and default', async () => {
    for (const spec of ['passbridge', 'passbridge/code-action']) {
      const m = await import(spec);
      assert.deepEqual(Object.keys(m).sort(), ['createHandler', 'default', 'handler'], spec);
      assert.equal(m.default, m.handler, spec);
      const h = m.createHandler({
        env: { PASSNINJA_API_KEY: 'k_123', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x2' },
        dryRun: true,
      });
      const out = await h(null, { external_id: 'S1' }, {});
      assert.equal(out.request.url, 'https://api.passninja.com/v1/passes/ptk_0x2/S1', spec);
    }
  });

  it('workerd gets the compiled-module entry; every listed file exists after a build', () => {
    assert.equal(pkg.exports['.'].workerd, './js/klaviyo-workerd.mjs');
    for (const f of pkg.files.filter((f) => !f.endsWith('/'))) {
      assert.doesNotThrow(() => readFileSync(new URL(`../../${f}`, import.meta.url)), f);
    }
  });
});
