// `wrangler dev --local --config worker.toml` for the deliveries page suite:
// the deployable shape (wrangler bundles js/worker.mjs, the wasm and the
// pages), on a fresh local D1 migrated by `wrangler d1 migrations apply`
// (optionally seeded by one SQL file, written straight into the ledger before
// the Worker starts). Secrets go in an env file (--env-file also keeps a
// developer's .dev.vars out), other variables as --var.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../worker/helpers.mjs';
import { startWranglerDev, wranglerEnv, WRANGLER } from '../support/wrangler-dev.mjs';

/**
 * Starts wrangler dev with `secrets` (env file) and `vars`; `seedSql` (optional)
 * runs on the migrated ledger first. Returns { url, output(), stop() }.
 */
export async function startDev({ secrets, vars, seedSql }) {
  mkdirSync(join(ROOT, '.tmp', 'review'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'review', 'dev-'));
  const state = join(dir, 'state');
  const run = (args) => promisify(execFile)(WRANGLER, args, { cwd: ROOT, env: wranglerEnv(), timeout: 60_000 });
  await run(['d1', 'migrations', 'apply', 'passbridge-ledger', '--local', '--config', 'worker.toml', '--persist-to', state]);
  if (seedSql) {
    const file = join(dir, 'seed.sql');
    writeFileSync(file, seedSql);
    await run(['d1', 'execute', 'passbridge-ledger', '--local', '--config', 'worker.toml', '--persist-to', state, '--file', file, '--yes']);
  }
  const envFile = join(dir, 'secrets.env');
  writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  let dev;
  try {
    dev = await startWranglerDev(state, envFile, vars);
  } finally {
    if (!dev) rmSync(dir, { recursive: true, force: true });
  }
  const stop = async () => {
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `http://127.0.0.1:${dev.port}`, output: dev.output, stop };
}
