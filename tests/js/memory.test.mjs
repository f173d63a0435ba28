// Long-running use must not grow memory: a Cloudflare isolate has 128 MB and a
// Code action process is reused. Runs the real driver (fetch, timeout, retry
// bookkeeping) tens of thousands of times in a child process with --expose-gc
// and compares the heap after collection.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { MODULES } from './helpers.mjs';

const RUNS = 20_000;

function measure(moduleUrl) {
  const script = `
    const { createHandler } = await import(${JSON.stringify(moduleUrl.href)});
    const fetch = async () => new Response('{}', { status: 200 });
    const env = { PASSNINJA_API_KEY: 'k_mem_123', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x2' };
    const h = createHandler({ env, fetch });
    const profile = { data: { attributes: { external_id: 'S1', properties: { loyalty_points: 5 } } } };
    const run = async (n) => { for (let i = 0; i < n; i++) await h(null, profile, {}); };
    await run(2000);
    globalThis.gc(); globalThis.gc();
    const before = process.memoryUsage();
    await run(${RUNS});
    await new Promise((r) => setTimeout(r, 50));
    globalThis.gc(); globalThis.gc();
    const after = process.memoryUsage();
    console.log(JSON.stringify({ heap: after.heapUsed - before.heapUsed, external: after.arrayBuffers - before.arrayBuffers }));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { timeout: 120_000 });
  return JSON.parse(out.toString().trim());
}

for (const mod of MODULES) {
  describe(`memory — ${mod.name}`, () => {
    it(`${RUNS} sent requests do not grow the heap or the wasm memory`, () => {
      const { heap, external } = measure(mod.url);
      // A leak of one closure per attempt showed as ~2 KB per run (40 MB here).
      assert.ok(heap < 4 * 1024 * 1024, `JS heap grew by ${heap} bytes over ${RUNS} runs`);
      assert.ok(external < 4 * 1024 * 1024, `array buffers (wasm memory) grew by ${external} bytes`);
    });
  });
}
