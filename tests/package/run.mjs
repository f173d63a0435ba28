// `make test-package`: the npm tarball, as a new user gets it.
//
// Packs the built tree with `npm pack`, installs the tarball offline into a
// fresh project in a temporary directory OUTSIDE the working tree (so nothing
// can resolve to the repository), and runs four checks there:
//
//   node      import { createHandler, handler } from "passbridge": dry run, a real
//             send to a fake PassNinja on 127.0.0.1; import "passbridge/code-action"
//   browser   esbuild --bundle --platform=browser of a file importing "passbridge",
//             run in headless Chromium: the exact dry-run request
//   workerd   a Worker whose entry re-exports "passbridge/worker": wrangler deploy
//             --dry-run builds it; wrangler dev --local answers /health and a
//             dry-run POST
//   types     tsc --noEmit (moduleResolution Node16 and Bundler) on a file using
//             the package's types
//   cli       `npx passbridge sync --help`, and a `--profiles` dry run (JSON:API
//             and flat lines, one malformed): pure NDJSON on stdout, keys `***`
//
// Every check must report a pass: a failed, crashed or missing check fails the
// run (PASSBRIDGE_PACKAGE_CHECKS=cli,… runs only the named ones). Every child process has a bounded time and is killed (its whole process
// group) when it overruns or when the run ends. PASSBRIDGE_KEEP_TMP=1 keeps the
// temporary directory for inspection.

import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";

const ROOT = realpathSync(fileURLToPath(new URL("../..", import.meta.url)));
const FIXTURES = join(ROOT, "tests/package/fixtures");
const BIN = join(ROOT, "node_modules/.bin");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const { ENV, PROFILE, EXPECTED_DRY_RUN } = await import(pathToFileURL(join(FIXTURES, "shared.mjs")).href);
const WEBHOOK_SECRET = "consumer-webhook-secret-5f1c9a";

const ALL_CHECKS = ["node", "browser", "workerd", "types", "cli"];
// PASSBRIDGE_PACKAGE_CHECKS=cli,node runs only those (pack + install always run).
const only = process.env.PASSBRIDGE_PACKAGE_CHECKS?.split(",").map((c) => c.trim()).filter(Boolean);
const CHECKS = only?.length ? ALL_CHECKS.filter((c) => only.includes(c)) : ALL_CHECKS;

// ---------------------------------------------------------------- helpers

function log(line = "") {
  process.stdout.write(`${line}\n`);
}

/** Runs a command with a bounded time; resolves { code, signal, out, err } (never rejects for a non-zero exit). */
function run(cmd, args, { cwd, env, timeoutMs, input }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timedOut = false;
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGKILL");
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${cmd} ${args.join(" ")}: no answer after ${timeoutMs} ms\n${out}${err}`));
      else resolvePromise({ code, signal, out, err });
    });
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function mustSucceed(what, r) {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code ?? r.signal}):\n${r.out}${r.err}`);
  return r;
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertDeepEqual(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}:\n  got      ${JSON.stringify(actual)}\n  expected ${JSON.stringify(expected)}`);
  }
}

/** Fails on any warning in a tool's output (esbuild's and wrangler's `▲ [WARNING]` blocks, `warning:` lines). */
function checkWarnings(what, text) {
  const found = text
    .split("\n")
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, "").trim())
    .filter((l) => /\[WARNING\]|^warning\b/i.test(l));
  if (found.length > 0) throw new Error(`${what} printed warnings:\n  ${found.join("\n  ")}\n${text}`);
}

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

function request(port, { method = "GET", path, headers = {}, body }) {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolvePromise({ status: res.statusCode, headers: res.headers, text }));
    });
    req.once("timeout", () => req.destroy(new Error(`${method} ${path}: no answer after 10 s`)));
    req.once("error", reject);
    req.end(body);
  });
}

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Relative module specifiers of a JS file (static imports and re-exports). */
function relativeImports(text) {
  const specs = new Set();
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+)["']/g)) specs.add(m[1]);
  return [...specs];
}

// ---------------------------------------------------------------- setup

const base = realpathSync(process.env.PASSBRIDGE_PACKAGE_TMP ?? tmpdir());
// Outside the working tree, even when TMPDIR points into it.
const tmpBase = base === ROOT || base.startsWith(ROOT + sep) ? "/tmp" : base;
const TMP = mkdtempSync(join(tmpBase, "passbridge-package-"));
assert(!TMP.startsWith(ROOT + sep), `temporary project ${TMP} is inside the working tree ${ROOT}`);
const CONSUMER = join(TMP, "consumer");
const HOME = join(TMP, "home");
const TOOL_TMP = join(TMP, "tmp");
for (const d of [HOME, join(HOME, ".config"), join(HOME, ".cache"), TOOL_TMP]) mkdirSync(d, { recursive: true });
writeFileSync(join(TMP, "npmrc"), "");

// Tools keep their state inside the temporary directory; nothing reaches the network.
const baseEnv = { ...process.env, HOME, XDG_CONFIG_HOME: join(HOME, ".config"), XDG_CACHE_HOME: join(HOME, ".cache"), TMPDIR: TOOL_TMP, NO_COLOR: "1", FORCE_COLOR: "0", CI: "1" };
for (const k of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_INCLUDE_PROCESS_ENV", "NODE_OPTIONS", "NODE_PATH"]) delete baseEnv[k];
for (const k of Object.keys(baseEnv)) if (/^npm_/i.test(k)) delete baseEnv[k];
const npmEnv = {
  ...baseEnv,
  npm_config_cache: join(TMP, "npm-cache"),
  npm_config_userconfig: join(TMP, "npmrc"),
  npm_config_update_notifier: "false",
  npm_config_audit: "false",
  npm_config_fund: "false",
};
const wranglerEnv = { ...baseEnv, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

const results = new Map();
const cleanups = [];
let exitCode = 0;

async function check(name, body) {
  if (!CHECKS.includes(name)) return;
  log(`\n# ${name}`);
  const started = Date.now();
  try {
    await body();
    results.set(name, "pass");
    log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.set(name, "fail");
    log(`not ok - ${name}: ${e?.stack ?? e}`);
  }
}

// ---------------------------------------------------------------- pack + install

let tarball;
try {
  log(`# pack: npm pack in ${ROOT}`);
  const packed = mustSucceed("npm pack", await run("npm", ["pack", "--json", "--pack-destination", TMP], { cwd: ROOT, env: npmEnv, timeoutMs: 120_000 }));
  // npm's JSON comes last on stdout, after what the prepack build printed.
  const at = packed.out.search(/^\[\s*$/m);
  assert(at >= 0, `npm pack printed no JSON:\n${packed.out}`);
  const [info] = JSON.parse(packed.out.slice(at));
  tarball = join(TMP, info.filename);
  const files = new Set(info.files.map((f) => f.path));
  log(`${info.filename}: ${info.files.length} files, ${info.size} bytes packed, ${info.unpackedSize} unpacked`);
  for (const f of [...files].sort()) log(`  ${f}`);

  // Every relative import of every packed module points at a packed file.
  const missing = [];
  for (const f of files) {
    if (!/\.(mjs|js)$/.test(f)) continue;
    for (const spec of relativeImports(readFileSync(join(ROOT, f), "utf8"))) {
      const target = relative(ROOT, resolve(ROOT, dirname(f), spec));
      if (!files.has(target)) missing.push(`${f} imports ${spec} (${target}), which is not in the tarball`);
    }
  }
  assert(missing.length === 0, `the tarball is incomplete:\n  ${missing.join("\n  ")}`);
  assert([...files].some((f) => /^pkg\/snippets\/.+\.js$/.test(f)), "the tarball has no pkg/snippets/ module");
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert(!manifest.dependencies && !manifest.peerDependencies && !manifest.optionalDependencies, "the package must have no runtime dependencies");
  log("every relative import of the packed modules is packed; no runtime dependencies");

  log(`\n# install: a fresh project in ${CONSUMER}`);
  cpSync(FIXTURES, CONSUMER, { recursive: true });
  const installed = mustSucceed(
    "npm install",
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: CONSUMER, env: npmEnv, timeoutMs: 120_000 }),
  );
  log(installed.out.trim());
  const modules = readdirSync(join(CONSUMER, "node_modules")).filter((n) => !n.startsWith("."));
  assertDeepEqual(modules, ["passbridge"], "node_modules of the fresh project");
  const installedFiles = filesUnder(join(CONSUMER, "node_modules/passbridge")).map((p) => relative(join(CONSUMER, "node_modules/passbridge"), p));
  assertDeepEqual(installedFiles.sort(), [...files].sort(), "installed files = packed files");
  log(`installed node_modules/passbridge (${installedFiles.length} files), nothing else`);
} catch (e) {
  log(`not ok - pack/install: ${e?.stack ?? e}`);
  exitCode = 1;
}

/** Runs `wrangler dev --local --config <config>` on free ports, calls `body(port, output)`, then stops wrangler's whole process group. */
async function wranglerDev(config, body) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = ["dev", "--local", "--config", config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false"];
  const child = spawn(join(BIN, "wrangler"), args, { cwd: CONSUMER, env: wranglerEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const onData = (d) => {
    if (output.length < 200_000) output += d;
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  let gone = false;
  const exited = new Promise((r) => child.once("close", () => r((gone = true))));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!gone) {
      killGroup(child, "SIGTERM");
      const done = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 5000).unref())]);
      if (done === null) killGroup(child, "SIGKILL");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    killGroup(child, "SIGKILL"); // anything of the group left behind (workerd)
    child.stdout.destroy();
    child.stderr.destroy();
  };
  cleanups.push(stop);
  try {
    const deadline = Date.now() + 60_000;
    while (!/Ready on/.test(output)) {
      assert(!gone, `wrangler dev --config ${config} exited before it was ready:\n${output}`);
      assert(Date.now() < deadline, `wrangler dev --config ${config} not ready after 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`  wrangler dev --local --config ${config} on 127.0.0.1:${port}: ready`);
    await body(port, () => output);
    checkWarnings(`wrangler dev --config ${config}`, output);
  } finally {
    await stop();
  }
}

// ---------------------------------------------------------------- checks

if (exitCode === 0) {
  await check("node", async () => {
    const fake = pathToFileURL(join(ROOT, "tests/js/fake-passninja.mjs")).href;
    const r = mustSucceed("node node-check.mjs", await run(process.execPath, ["node-check.mjs", fake], { cwd: CONSUMER, env: baseEnv, timeoutMs: 60_000 }));
    log(r.out.trim().replace(/^/gm, "  "));
    assert(r.err.trim() === "", `node printed on stderr:\n${r.err}`);
  });

  await check("browser", async () => {
    const esbuild = join(BIN, "esbuild");
    const bundled = mustSucceed(
      "esbuild",
      await run(esbuild, ["browser-entry.mjs", "--bundle", "--platform=browser", "--format=iife", "--outfile=browser-bundle.js", "--log-level=warning"], {
        cwd: CONSUMER,
        env: baseEnv,
        timeoutMs: 60_000,
      }),
    );
    checkWarnings("esbuild", bundled.out + bundled.err);
    const bundle = readFileSync(join(CONSUMER, "browser-bundle.js"), "utf8");
    assert(bundle.includes("node_modules/passbridge/js/klaviyo.mjs"), "the browser bundle does not come from node_modules/passbridge/js/klaviyo.mjs");
    log(`  esbuild --bundle --platform=browser: browser-bundle.js, ${bundle.length} bytes, from node_modules/passbridge/js/klaviyo.mjs`);

    const profileDir = join(TMP, "chromium-profile");
    const page = pathToFileURL(join(CONSUMER, "browser.html")).href;
    const args = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profileDir}`,
      "--virtual-time-budget=10000",
      "--dump-dom",
      page,
    ];
    assert(existsSync(CHROMIUM), `${CHROMIUM} is missing (bash .ci/setup installs it)`);
    const r = mustSucceed("chromium --dump-dom", await run(CHROMIUM, args, { cwd: TMP, env: baseEnv, timeoutMs: 90_000 }));
    const m = /<pre id="result">([\s\S]*?)<\/pre>/.exec(r.out);
    assert(m, `no result in the page:\n${r.out}\n${r.err}`);
    const text = m[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
    const outcome = JSON.parse(text);
    assert(outcome.ok, `the page failed: ${outcome.error}`);
    assertDeepEqual(outcome.result, EXPECTED_DRY_RUN, "dry run in Chromium");
    const version = /(?:Headless)?Chrome\/[0-9.]+/.exec(outcome.userAgent)?.[0] ?? outcome.userAgent;
    log(`  ${version}, ${page}: ${outcome.result.request.method} ${outcome.result.request.url} ${outcome.result.request.body}`);
  });

  await check("workerd", async () => {
    const wrangler = join(BIN, "wrangler");
    const outdir = join(TMP, "worker-dist");
    const built = mustSucceed(
      "wrangler deploy --dry-run",
      await run(wrangler, ["deploy", "--dry-run", "--outdir", outdir, "--config", "wrangler.toml"], { cwd: CONSUMER, env: wranglerEnv, timeoutMs: 120_000 }),
    );
    checkWarnings("wrangler deploy --dry-run", built.out + built.err);
    const outFiles = readdirSync(outdir);
    const wasm = outFiles.filter((f) => f.endsWith(".wasm"));
    assert(outFiles.includes("index.js") && wasm.length === 1, `wrangler deploy --dry-run wrote ${outFiles.join(", ")}`);
    const wasmSize = statSync(join(outdir, wasm[0])).size;
    const packedWasm = statSync(join(CONSUMER, "node_modules/passbridge/pkg/passbridge_bg.wasm")).size;
    assert(wasmSize === packedWasm, `the Worker's wasm (${wasmSize} bytes) is not the package's (${packedWasm} bytes)`);
    log(`  wrangler deploy --dry-run --outdir: index.js (${statSync(join(outdir, "index.js")).size} bytes) + ${wasm[0]} (${wasmSize} bytes, a compiled-module import)`);

    // wrangler dev reads the secret from .dev.vars, next to wrangler.toml.
    writeFileSync(join(CONSUMER, ".dev.vars"), `PASSBRIDGE_WEBHOOK_SECRET=${WEBHOOK_SECRET}\nPASSNINJA_API_KEY=${ENV.PASSNINJA_API_KEY}\n`, { mode: 0o600 });
    await wranglerDev("wrangler.toml", async (port, output) => {
      const health = await request(port, { path: "/health" });
      assert(health.status === 200, `GET /health: ${health.status} ${health.text}`);
      const h = JSON.parse(health.text);
      assert(h.ok === true && h.service === "passbridge", `GET /health: ${health.text}`);
      log(`  GET /health -> ${health.status} ${health.text}`);

      const body = JSON.stringify({ person: PROFILE });
      const headers = { "content-type": "application/json", authorization: `Bearer ${WEBHOOK_SECRET}`, "content-length": String(Buffer.byteLength(body)) };
      const post = await request(port, { method: "POST", path: "/passninja/update", headers, body });
      assert(post.status === 200, `POST /passninja/update: ${post.status} ${post.text}`);
      assertDeepEqual(JSON.parse(post.text), EXPECTED_DRY_RUN, "POST /passninja/update (dry run) in workerd");
      log(`  POST /passninja/update -> ${post.status} ${post.text}`);

      const refused = await request(port, { method: "POST", path: "/passninja/update", headers: { ...headers, authorization: "Bearer wrong" }, body });
      assert(refused.status === 401, `POST with a wrong secret: ${refused.status} ${refused.text}`);
      log(`  POST with a wrong secret -> ${refused.status}`);
      assert(!output().includes(ENV.PASSNINJA_API_KEY) && !output().includes(WEBHOOK_SECRET), "wrangler dev printed a secret");
    });

    // A Worker of one's own using createHandler from "passbridge": the workerd build.
    const appOut = join(TMP, "app-dist");
    const app = mustSucceed(
      "wrangler deploy --dry-run (wrangler.app.toml)",
      await run(wrangler, ["deploy", "--dry-run", "--outdir", appOut, "--config", "wrangler.app.toml"], { cwd: CONSUMER, env: wranglerEnv, timeoutMs: 120_000 }),
    );
    checkWarnings("wrangler deploy --dry-run", app.out + app.err);
    const appBundle = readFileSync(join(appOut, "app.js"), "utf8");
    assert(appBundle.includes("node_modules/passbridge/js/klaviyo-workerd.mjs"), "the Worker bundle of worker/app.mjs does not use js/klaviyo-workerd.mjs");
    assert(!appBundle.includes("wasmBase64"), "the Worker bundle of worker/app.mjs carries the inlined wasm");
    assert(readdirSync(appOut).filter((f) => f.endsWith(".wasm")).length === 1, "the Worker bundle of worker/app.mjs has no .wasm module");
    log(`  worker/app.mjs (import { createHandler } from "passbridge"): bundled with js/klaviyo-workerd.mjs + the .wasm module`);
    await wranglerDev("wrangler.app.toml", async (port) => {
      const body = JSON.stringify(PROFILE);
      const r = await request(port, { method: "POST", path: "/", headers: { "content-type": "application/json" }, body });
      assert(r.status === 200, `POST / (worker/app.mjs): ${r.status} ${r.text}`);
      assertDeepEqual(JSON.parse(r.text), EXPECTED_DRY_RUN, "createHandler dry run in workerd");
      log(`  POST / (worker/app.mjs) -> ${r.status}, the same dry run`);
    });
  });

  await check("types", async () => {
    const tsc = join(BIN, "tsc");
    const installed = join(CONSUMER, "node_modules/passbridge") + sep;
    for (const config of ["tsconfig.node16.json", "tsconfig.bundler.json"]) {
      const r = await run(tsc, ["--noEmit", "-p", join("types", config), "--listFiles"], { cwd: CONSUMER, env: baseEnv, timeoutMs: 120_000 });
      assert(r.code === 0, `tsc -p types/${config} failed:\n${r.out}${r.err}`);
      const used = r.out
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith(installed))
        .map((l) => l.slice(installed.length));
      for (const want of ["js/klaviyo.d.ts", "js/worker.d.ts"]) assert(used.includes(want), `tsc -p types/${config} did not read ${want} of the installed package (read: ${used.join(", ")})`);
      log(`  tsc --noEmit -p types/${config}: ok, types from node_modules/passbridge/{${used.join(",")}}`);
    }
  });

  await check("cli", async () => {
    const npx = ["exec", "--offline", "--no", "--", "passbridge"];
    const help = await run("npm", [...npx, "sync", "--help"], { cwd: CONSUMER, env: npmEnv, timeoutMs: 60_000 });
    assert(help.code === 0, `npx passbridge sync --help: exit ${help.code}\n${help.out}${help.err}`);
    assert(/Usage: npx passbridge sync/.test(help.err) && /--profiles <file>/.test(help.err), `npx passbridge sync --help printed:\n${help.err}`);
    log("  npx passbridge sync --help: exit 0, the usage");
    const lines = [
      JSON.stringify({ data: { type: "profile", id: "01K", attributes: { email: "ada@example.com", external_id: "SER-1", properties: { loyalty_points: 10 } } } }),
      JSON.stringify({ email: "bob@example.com", external_id: "SER-2", properties: { loyalty_points: 20 } }),
      "{not json",
    ];
    writeFileSync(join(CONSUMER, "people.jsonl"), lines.join("\n") + "\n");
    const env = { ...npmEnv, ...ENV };
    const dry = await run("npm", [...npx, "sync", "--profiles", "people.jsonl", "--provider", "passninja", "--operation", "update", "--dry-run"], { cwd: CONSUMER, env, timeoutMs: 60_000 });
    assert(dry.code === 0, `npx passbridge sync --profiles … --dry-run: exit ${dry.code}\n${dry.out}${dry.err}`);
    const planned = dry.out.trim().split("\n").map((l) => JSON.parse(l));
    assertDeepEqual(planned.map((p) => p.id), ["1", "2"], "the dry run's ids (line numbers)");
    assert(planned.every((p) => p.request.headers["X-API-KEY"] === "***"), `a planned request without its key as ***: ${dry.out}`);
    assert(!(dry.out + dry.err).includes(ENV.PASSNINJA_API_KEY), "the dry run printed the provider key");
    assert(/invalid_profile/.test(dry.err), `the malformed line is not reported:\n${dry.err}`);
    log(`  npx passbridge sync --profiles people.jsonl --dry-run: exit 0, ${planned.length} planned requests (lines 1, 2), line 3 reported`);
  });
}

// ---------------------------------------------------------------- summary

for (const stop of cleanups) await stop();
const passed = CHECKS.filter((c) => results.get(c) === "pass");
const failed = CHECKS.filter((c) => results.get(c) !== "pass");
if (exitCode === 0 && failed.length > 0) exitCode = 1;
if (exitCode === 0 && results.size !== CHECKS.length) exitCode = 1;
log(`\npackage checks: ${passed.length} of ${CHECKS.length} passed${failed.length ? `; failed or not run: ${failed.join(", ")}` : ""}`);
if (process.env.PASSBRIDGE_KEEP_TMP === "1") log(`kept ${TMP}`);
else rmSync(TMP, { recursive: true, force: true });
process.exit(exitCode);
