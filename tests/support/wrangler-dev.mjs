// `wrangler dev --local --config worker.toml --persist-to <state>`, the
// deployable shape (wrangler bundles js/worker.mjs, the wasm and the pages),
// for the suites that need it (the ledger restart, the deliveries page).
// Secrets go in an env file (--env-file also keeps a developer's .dev.vars
// out), other variables as --var; wrangler's state stays inside the tree.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { closedPort, ROOT } from '../worker/helpers.mjs';

const READY_TIMEOUT_MS = 45_000;
export const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');

export function wranglerEnv() {
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const k of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_INCLUDE_PROCESS_ENV']) delete env[k];
  return env;
}

/** Starts `wrangler dev` on `state`; resolves once it is ready. Returns { port, output(), stop() }. */
export async function startWranglerDev(state, envFile, vars) {
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
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!/Ready on/.test(output)) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev not ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, output: () => output, stop };
}
