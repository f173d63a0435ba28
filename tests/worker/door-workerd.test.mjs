// The plain package in workerd: the "workerd" export condition's entry loads
// the compiled wasm module and runs the same handler as Node and browsers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Miniflare } from 'miniflare';
import { ROOT, MODULES_RULES, waitForPkg } from './helpers.mjs';

describe('js/klaviyo-workerd.mjs in workerd', () => {
  let mf;
  before(async () => {
    await waitForPkg();
    mf = new Miniflare({
      modules: true,
      scriptPath: 'tests/worker/fixtures/door-worker.mjs',
      modulesRoot: ROOT,
      rootPath: ROOT,
      modulesRules: MODULES_RULES,
      compatibilityDate: '2026-04-01',
      bindings: { PASSNINJA_API_KEY: 'k_wd_123', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x2' },
    });
  });
  after(async () => {
    await mf?.dispose();
  });

  it('plans the same PATCH as every other runtime', async () => {
    const res = await mf.dispatchFetch('http://localhost/', {
      method: 'POST',
      body: JSON.stringify({ data: { attributes: { external_id: '../x', properties: { loyalty_points: 7 } } } }),
    });
    assert.deepEqual(await res.json(), {
      dryRun: true,
      request: {
        method: 'PATCH',
        url: 'https://api.passninja.com/v1/passes/ptk_0x2/..%2Fx',
        headers: { 'X-API-KEY': '***', 'X-ACCOUNT-ID': 'aid_0x1', 'Content-Type': 'application/json' },
        body: '{"pass":{"points-balance":"7","loyalty-tier":"Standard"}}',
      },
    });
  });

  it('skips a profile without a pass, and the default handler reports missing configuration', async () => {
    const skip = await mf.dispatchFetch('http://localhost/', { method: 'POST', body: '{"external_id":null}' });
    assert.deepEqual(await skip.json(), { skipped: true, reason: 'no active pass' });
    const res = await mf.dispatchFetch('http://localhost/default', { method: 'POST', body: '{"external_id":"S1"}' });
    assert.equal(res.status, 500);
    const { error } = await res.json();
    assert.equal(error.code, 'missing_config');
    assert.equal(error.message, 'PassNinja error: missing environment variable PASSNINJA_API_KEY');
  });
});
