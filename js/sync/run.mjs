// One `passbridge sync` run: the I/O only (Klaviyo and provider HTTP, the
// checkpoint and report files, timers, signals). Every decision — pages,
// pacing, retries, resume rules, outcomes, write-back, the report's content —
// is the core's, through the wasm class Sync (src/wasm/sync.rs). The profiles
// go through the same handler as the doors (createHandler).

import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { createHandler } from "../klaviyo.mjs";
import { newGlue } from "../../pkg/passbridge.js";
import { Progress } from "./progress.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The run's `Sync` class, on a wasm instance of its own. The handler's calls
 * run on the door's instances (js/instances.mjs): a trap in one of them
 * retires that instance and costs only that profile (`internal_error`); the
 * run's state — pages, pacing, outcomes — lives here, on an instance no
 * handler call touches, so it goes on unharmed (docs/traps.md).
 */
function syncClass() {
  const module = new WebAssembly.Module(fs.readFileSync(new URL("../../pkg/passbridge_bg.wasm", import.meta.url)));
  const glue = newGlue();
  glue.initSync({ module });
  return glue.Sync;
}
const KLAVIYO_TIMEOUT_MS = 30_000;

class Stop extends Error {
  constructor(message, exit) {
    super(message);
    this.exit = exit;
  }
}

function defaultCheckpoint(sync) {
  const name = `${sync.sourceLabel}--${sync.operationLabel}`.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 120);
  return path.join(".passbridge", `${name}.jsonl`);
}

async function* lines(file) {
  const input = fs.createReadStream(file, { encoding: "utf8" });
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    input.destroy();
  }
}

/** Runs `sync`; resolves to the exit code (0, 1 or 2). */
export async function runSync(opts) {
  const err = process.stderr;
  let handler;
  let Sync;
  let sync;
  const fetchImpl = globalThis.fetch;
  let requests = 0;
  let stopping = false;
  // The provider's fetch: paced by the core (--rate, a 429 pauses everyone).
  const pacedFetch = async (url, init) => {
    for (let w = sync.providerWait(Date.now()); w > 0; w = sync.providerWait(Date.now())) await sleep(w);
    sync.providerSent(Date.now());
    requests++;
    progress.sent++;
    const res = await fetchImpl(url, init);
    sync.providerAnswer(Date.now(), res.status, res.headers.get("retry-after") ?? undefined);
    return res;
  };
  const progress = new Progress(err);
  try {
    const options = { provider: opts.provider, operation: opts.operation };
    handler = createHandler({ ...options, env: opts.env, fetch: pacedFetch, dryRun: opts.dryRun });
    Sync = syncClass();
    sync = new Sync(opts.source, options, opts.env, opts.writeBack, opts.rate);
    sync.setReportEmails(Boolean(opts.reportEmails));
  } catch (e) {
    err.write(`${e.message}\n`);
    return 2;
  }

  // The checkpoint (none for a dry run).
  let fd = null;
  const cpPath = opts.checkpoint ?? defaultCheckpoint(sync);
  let resumedCursor = null;
  const write = (line) => {
    if (fd !== null && line) fs.writeSync(fd, line + "\n");
  };
  if (!opts.dryRun) {
    const exists = fs.existsSync(cpPath);
    if (opts.resume && !exists) {
      err.write(`passbridge sync: --resume: no checkpoint at ${cpPath}\n`);
      return 2;
    }
    if (!opts.resume && exists && !opts.restart) {
      err.write(`passbridge sync: a checkpoint exists at ${cpPath}: give --resume to continue it or --restart to start over\n`);
      return 2;
    }
    fs.mkdirSync(path.dirname(cpPath), { recursive: true });
    if (opts.resume) {
      try {
        for await (const line of lines(cpPath)) sync.feed(line);
      } catch (e) {
        err.write(`${e.message} (${cpPath})\n`);
        return 2;
      }
      fd = fs.openSync(cpPath, "a");
      for (const line of sync.resumeLines()) write(line);
      resumedCursor = sync.cursor();
    } else {
      fd = fs.openSync(cpPath, "w");
      write(sync.headerLine());
    }
  }
  const out = opts.dryRun ? (opts.out ? fs.createWriteStream(opts.out) : process.stdout) : null;

  // Ctrl-C: stop taking profiles, let in-flight ones finish; a second one exits now.
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(1);
    interrupted = stopping = true;
    progress.note("stopping: in-flight requests finish, then the checkpoint is flushed (Ctrl-C again to quit now)");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const klaviyoCall = async (kind, requestJson) => {
    const req = JSON.parse(requestJson);
    for (let w = sync.klaviyoWait(kind, Date.now()); w > 0; w = sync.klaviyoWait(kind, Date.now())) await sleep(w);
    sync.klaviyoSent(kind, Date.now());
    requests++;
    try {
      const res = await fetchImpl(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body ?? undefined,
        signal: AbortSignal.timeout(KLAVIYO_TIMEOUT_MS),
      });
      const h = (n) => res.headers.get(n) ?? undefined;
      return { status: res.status, remaining: h("ratelimit-remaining"), reset: h("ratelimit-reset"), retryAfter: h("retry-after"), body: await res.text() };
    } catch (e) {
      return { status: 0, body: String(e?.cause?.message ?? e?.message ?? e) };
    }
  };

  const fetchPage = async (cursor) => {
    for (;;) {
      const r = await klaviyoCall("page", sync.pageRequest(cursor));
      let answer;
      try {
        answer = JSON.parse(sync.pageAnswer(Date.now(), r.status, r.remaining, r.reset, r.retryAfter, r.body));
      } catch (e) {
        throw new Stop(e.message, Sync.stopExit(e.code ?? ""));
      }
      if (answer.retry === undefined) return answer;
    }
  };

  // The file source: pages of `pageSize` lines, the cursor a line number.
  const fileSource = sync.filePath;
  let fileLines = null;
  let lineNo = 0;
  const readFilePage = async (cursor) => {
    const first = Number(cursor);
    if (fileLines === null) {
      if (!fs.existsSync(fileSource)) throw new Stop(`passbridge sync: --profiles ${fileSource}: no such file`, 2);
      fileLines = lines(fileSource)[Symbol.asyncIterator]();
    }
    const profiles = [];
    while (profiles.length < sync.pageSize) {
      const { value, done } = await fileLines.next();
      if (done) return { profiles, next: null };
      lineNo++;
      if (lineNo < first) continue;
      const parsed = sync.fileLine(value);
      if (parsed === undefined) continue;
      const { profile, error } = JSON.parse(parsed);
      profiles.push([String(lineNo), profile, error]);
    }
    return { profiles, next: String(first + sync.pageSize) };
  };

  const writeBack = async (id, profile, result) => {
    const wb = JSON.parse(sync.writeBackRequest(JSON.stringify(profile), JSON.stringify(result), false));
    if (wb.skipped !== undefined) return write(sync.writeBackLine(id, undefined));
    if (wb.error !== undefined) return write(sync.writeBackLine(id, wb.error.code));
    for (;;) {
      const r = await klaviyoCall("write", JSON.stringify(wb.request));
      const a = JSON.parse(sync.writeBackAnswer(Date.now(), r.status, r.remaining, r.reset, r.retryAfter, r.body));
      if (a.retry !== undefined) continue;
      if (a.stop) throw new Stop(a.message, 2);
      return write(sync.writeBackLine(id, a.ok ? undefined : a.code));
    }
  };

  const runOne = async (id, profile) => {
    write(sync.startLine(id));
    for (let attempt = 1; ; attempt++) {
      for (let w = sync.providerWait(Date.now()); w > 0; w = sync.providerWait(Date.now())) await sleep(w);
      let result;
      try {
        result = await handler(null, profile);
      } catch (e) {
        const d = JSON.parse(sync.errorLine(Date.now(), id, e?.code ?? "internal_error", e?.retryAfterMs ?? -1, attempt));
        if (d.retry !== undefined) {
          await sleep(d.retry);
          continue;
        }
        if (d.stop) {
          write(d.line); // a create refused (401/403, configuration): --resume sends it again
          throw new Stop(e.message, 2);
        }
        write(d.line);
        return;
      }
      if (result?.dryRun) {
        progress.planned++;
        out.write(JSON.stringify({ id, request: result.request }) + "\n");
        return;
      }
      const done = JSON.parse(sync.doneLine(id, JSON.stringify(result)));
      write(done.line);
      if (done.writeBack) await writeBack(id, profile, result);
      return;
    }
  };

  const handle = async ([id, profile, error]) => {
    const action = sync.decide(id);
    if (action === "skip") return;
    if (error !== undefined) {
      // A --profiles line that is not a profile: its error, the run goes on.
      progress.note(`line ${id}: ${error.code}: ${error.message}`);
      write(JSON.parse(sync.errorLine(Date.now(), id, error.code, -1, 1)).line);
      return;
    }
    if (opts.reportEmails) write(sync.emailLine(id, JSON.stringify(profile)));
    if (action === "send") return runOne(id, profile);
    return writeBack(id, profile, JSON.parse(action));
  };

  // The profile count, once, for the ETA (its endpoint allows 1/s, 15/m).
  const countJson = opts.dryRun || opts.limit ? undefined : sync.countRequest();
  if (countJson !== undefined) {
    const r = await klaviyoCall("count", countJson);
    const n = sync.countAnswer(Date.now(), r.status, r.body);
    if (n >= 0) progress.total = n;
  }

  let code = 0;
  let pagesWritten = 0;
  progress.start(() => JSON.parse(sync.summary()));
  try {
    if (!(opts.resume && sync.ended())) {
      let cursor = sync.cursor();
      const getPage = (c) => (fileSource !== undefined ? readFilePage(c) : fetchPage(c));
      let pending = getPage(cursor);
      for (;;) {
        const page = await pending;
        // The resumed page's marker is already there: writing it again would forget its outcomes.
        if (cursor !== resumedCursor) write(sync.pageLine(cursor));
        resumedCursor = null;
        pagesWritten++;
        if (page.next !== null && fileSource === undefined) {
          pending = getPage(page.next);
          pending.catch(() => {}); // awaited on the next turn, or dropped when the run stops
        }
        let items = page.profiles;
        if (opts.limit !== undefined) items = items.slice(0, Math.max(0, opts.limit - progress.read));
        let next = 0;
        const worker = async () => {
          while (next < items.length && !stopping) {
            const item = items[next++];
            progress.read++;
            try {
              await handle(item);
            } catch (e) {
              stopping = true; // the others take no new profile
              throw e;
            }
          }
        };
        // Every worker ends (its in-flight profile recorded) before the run
        // goes on or stops: nothing is written after the checkpoint closes.
        const ended = await Promise.allSettled(Array.from({ length: Math.min(opts.concurrency, items.length) }, worker));
        const failed = ended.find((r) => r.status === "rejected");
        if (failed !== undefined) throw failed.reason;
        if (stopping || (opts.limit !== undefined && progress.read >= opts.limit)) break;
        if (page.next === null) {
          write(sync.endLine());
          break;
        }
        cursor = page.next;
        if (fileSource !== undefined) pending = getPage(cursor);
      }
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    progress.stop();
    err.write(`${e.message}\n`);
    code = e.exit;
  } finally {
    progress.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }

  if (out !== null && out !== process.stdout) await new Promise((r) => out.end(r));
  const hadCheckpoint = fd !== null;
  if (fd !== null) fs.closeSync(fd);
  fd = null;
  // A fresh run that stopped before its first page (a bad key, an unknown
  // segment) leaves no checkpoint behind: the next attempt starts cleanly.
  if (code === 2 && pagesWritten === 0 && !opts.resume && hadCheckpoint) fs.rmSync(cpPath, { force: true });
  if (opts.report !== undefined && !opts.dryRun) await writeReport(sync, cpPath, opts.report);
  progress.table({ source: sync.sourceLabel, operation: sync.operationLabel, requests });
  const summary = JSON.parse(sync.summary());
  if (interrupted) err.write(`passbridge sync: stopped; --resume continues from ${cpPath}\n`);
  if (code !== 0) return code;
  if (opts.dryRun) return 0;
  return interrupted ? 1 : summary.exit;
}

/** Streams the checkpoint into the report (the core writes every entry). */
async function writeReport(sync, cpPath, reportPath) {
  const fd = fs.openSync(reportPath, "w");
  fs.writeSync(fd, sync.reportHead());
  let first = true;
  const put = (entry) => {
    fs.writeSync(fd, (first ? "\n" : ",\n") + entry);
    first = false;
  };
  for await (const line of lines(cpPath)) {
    const entry = sync.reportEntry(line);
    if (entry !== undefined) put(entry);
  }
  for (const entry of sync.reportFinish()) put(entry);
  fs.writeSync(fd, "\n" + sync.reportTail + "\n");
  fs.closeSync(fd);
}
