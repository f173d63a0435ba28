// Running `passbridge sync` as a user would (a child process of bin/passbridge.mjs)
// against the fakes on 127.0.0.1. Not a test file.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const BIN = new URL("../../bin/passbridge.mjs", import.meta.url).pathname;

/** A fresh working directory (the default checkpoint goes under it). */
export function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), "passbridge-sync-"));
}

/** Starts the command; `done` resolves to { code, signal, stdout, stderr }. */
export function start(args, { env = {}, cwd } = {}) {
  const child = spawn(process.execPath, [BIN, "sync", ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export const run = (args, opts) => start(args, opts).done;

export const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

/** Requests per fixed window of `ms` (by arrival time). */
export function perWindow(times, ms) {
  const counts = new Map();
  for (const t of times) {
    const w = Math.floor(t / ms);
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}
