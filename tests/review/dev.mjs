// `wrangler dev --local --config worker.toml` for the deliveries page suite:
// the deployable shape (wrangler bundles js/worker.mjs, the wasm and the
// pages), on a fresh local D1 migrated by `wrangler d1 migrations apply`
// (optionally seeded by one SQL file, written straight into the ledger before
// the Worker starts). Secrets go in an env file (--env-file also keeps a
// developer's .dev.vars out), other variables as --var.

import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedPort, ROOT } from '../worker/helpers.mjs';

const READY_TIMEOUT_MS = 45_000;
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');

function wranglerEnv() {
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const k of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_INCLUDE_PROCESS_ENV']) delete env[k];
  return env;
}

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
  const port = await closedPort();
  const inspectorPort = await closedPort();
  const args = [
    'dev', '--local', '--config', 'worker.toml', '--persist-to', state,
    '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    '--show-interactive-dev-session=false', '--env-file', envFile,
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: wranglerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const onData = (d) => {
    if (output.length < 200_000) output += d.toString();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await Promise.race([exit, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    try {
      process.kill(-child.pid, 0);
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* group is gone */
    }
    await Promise.race([exit, new Promise((r) => setTimeout(r, 2000).unref())]);
    child.stdout.destroy();
    child.stderr.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!/Ready on/.test(output)) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev not ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop };
}
