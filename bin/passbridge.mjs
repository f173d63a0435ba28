#!/usr/bin/env node
// `npx passbridge sync …`: brings every pass of a Klaviyo segment, list or
// file of profiles in step (docs/sync.md). This file reads the command line
// and the environment; js/sync/run.mjs does the run's I/O; every decision is
// the Rust core's (src/sync/, through the wasm class Sync).
//
// Arguments are parsed with Node's own util.parseArgs (Node ≥ 18.3): the
// package has no dependencies, and a parser library would add install weight
// for what parseArgs already does.

import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { runSync } from "../js/sync/run.mjs";

const USAGE = `Usage: npx passbridge sync (--segment <id> | --list <id> | --profiles <file.jsonl>) [options]

Source (one):
  --segment <id>          every profile of a Klaviyo segment
  --list <id>             every profile of a Klaviyo list
  --profiles <file>       one Klaviyo profile per line (JSON:API or flat)
Target (as createHandler's options; the rest from PASSBRIDGE_* and provider variables):
  --provider <id>         passninja | walletcrew | jericommerce (default: PASSBRIDGE_PROVIDER or passninja)
  --operation <name>      the provider's operation (default: PASSBRIDGE_OPERATION or the provider's first)
  --env-file <file>       read KEY=value lines (the process environment wins)
Pacing:
  --rate <n>/s            at most n provider requests in any one second (default 10/s;
                          a bare n means n/s; 0 = no limit)
  --concurrency <n>       provider requests in flight at once (default 4)
Run:
  --write-back            write each result onto the Klaviyo profile (PASSBRIDGE_WRITE_BACK)
  --dry-run               send nothing to the provider; print each planned request as NDJSON
  --out <file>            the dry run's NDJSON goes here instead of stdout
  --limit <n>             stop after n profiles read
  --checkpoint <file>     the checkpoint (default .passbridge/<source>--<provider>-<operation>.jsonl)
  --resume                continue the run the checkpoint records
  --restart               start over, discarding an existing checkpoint
  --report <file.json>    write the report there
  --report-emails         name each profile's e-mail in the report (and checkpoint)
  --help                  this text
Exit: 0 every profile done or skipped; 1 any failed or ambiguous; 2 usage or configuration error.`;

const OPTIONS = {
  segment: { type: "string" },
  list: { type: "string" },
  profiles: { type: "string" },
  provider: { type: "string" },
  operation: { type: "string" },
  "env-file": { type: "string" },
  rate: { type: "string" },
  concurrency: { type: "string" },
  "write-back": { type: "boolean" },
  "dry-run": { type: "boolean" },
  out: { type: "string" },
  limit: { type: "string" },
  checkpoint: { type: "string" },
  resume: { type: "boolean" },
  restart: { type: "boolean" },
  report: { type: "string" },
  "report-emails": { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

class UsageError extends Error {}

/** KEY=value lines; `#` comments; optional single or double quotes. */
function readEnvFile(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--env-file ${path}: ${e.code ?? e.message}`);
  }
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new UsageError(`--env-file ${path}: a line is not KEY=value`);
    let value = m[2];
    if (/^(["']).*\1$/.test(value) && value.length >= 2) value = value.slice(1, -1);
    out[m[1]] = value;
  }
  return out;
}

function count(name, text, { min = 0, perSecond = false } = {}) {
  if (text === undefined) return undefined;
  // --rate is `<n>/s` (a bare `<n>` means the same); the others a bare number.
  const m = (perSecond ? /^(\d{1,9})(\/s)?$/ : /^(\d{1,9})$/).exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(perSecond ? `--${name} must be <n>/s with a whole n ≥ ${min} (e.g. --${name} 5/s)` : `--${name} must be a whole number ≥ ${min}`);
  }
  return n;
}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  const sources = [
    v.segment !== undefined && `segment:${v.segment}`,
    v.list !== undefined && `list:${v.list}`,
    v.profiles !== undefined && `file:${v.profiles}`,
  ].filter(Boolean);
  if (sources.length !== 1) throw new UsageError("give exactly one of --segment, --list or --profiles");
  if (v.resume && v.restart) throw new UsageError("--resume and --restart exclude each other");
  if (v.out !== undefined && !v["dry-run"]) throw new UsageError("--out goes with --dry-run");
  const fileEnv = v["env-file"] !== undefined ? readEnvFile(v["env-file"]) : {};
  return {
    source: sources[0],
    provider: v.provider,
    operation: v.operation,
    env: { ...fileEnv, ...process.env },
    rate: count("rate", v.rate, { perSecond: true }) ?? 10,
    concurrency: count("concurrency", v.concurrency, { min: 1 }) ?? 4,
    writeBack: v["write-back"] ?? false,
    dryRun: v["dry-run"] ?? false,
    out: v.out,
    limit: count("limit", v.limit, { min: 1 }),
    checkpoint: v.checkpoint,
    resume: v.resume ?? false,
    restart: v.restart ?? false,
    report: v.report,
    reportEmails: v["report-emails"] ?? false,
  };
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === undefined) {
    process.stderr.write(USAGE + "\n");
    return command === undefined ? 2 : 0;
  }
  if (command !== "sync") {
    process.stderr.write(`passbridge: unknown command '${command}'\n\n${USAGE}\n`);
    return 2;
  }
  let opts;
  try {
    opts = options(rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`passbridge sync: ${e.message}\n(npx passbridge sync --help)\n`);
    return 2;
  }
  if (opts.help) {
    process.stderr.write(USAGE + "\n");
    return 0;
  }
  return runSync(opts);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`passbridge sync: ${e?.message ?? e}\n`);
    process.exitCode = 2;
  },
);
