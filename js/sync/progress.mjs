// What a person watching `passbridge sync` sees, on stderr: a live line on a
// TTY (redrawn 4 times a second), else one plain line every 5 seconds; then
// the summary table. Display only: the numbers come from the core's summary.

const OUTCOMES = ["updated", "created", "deleted", "synced", "skipped", "failed", "ambiguous"];

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(rest).padStart(2, "0")}s` : `${rest}s`;
}

export class Progress {
  constructor(stream, { total = null } = {}) {
    this.stream = stream;
    this.tty = Boolean(stream.isTTY);
    this.total = total;
    this.read = 0;
    this.sent = 0;
    this.planned = 0;
    this.started = Date.now();
    this.summary = () => ({ counts: {}, codes: {} });
    this.timer = null;
    this.drawn = false;
  }

  start(summary) {
    this.summary = summary;
    this.timer = setInterval(() => this.draw(), this.tty ? 250 : 5000);
    this.timer.unref?.();
  }

  line() {
    const { counts } = this.summary();
    const elapsed = Date.now() - this.started;
    const rate = elapsed > 0 ? (this.read * 1000) / elapsed : 0;
    const parts = [`read ${this.read}`, `sent ${this.sent}`];
    for (const o of OUTCOMES) if (counts[o]) parts.push(`${o} ${counts[o]}`);
    if (this.planned) parts.push(`planned ${this.planned}`);
    parts.push(`${rate.toFixed(1)}/s`);
    if (this.total !== null && this.total > 0 && rate > 0) {
      const left = Math.max(0, this.total - this.read);
      parts.push(`${Math.min(100, Math.floor((this.read * 100) / this.total))}% of ${this.total}, ETA ${duration((left / rate) * 1000)}`);
    }
    return parts.join(" · ");
  }

  draw() {
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${this.line()}`);
      this.drawn = true;
    } else {
      this.stream.write(`passbridge sync: ${this.line()}\n`);
    }
  }

  note(text) {
    if (this.tty && this.drawn) this.stream.write("\r\x1b[2K");
    this.stream.write(`passbridge sync: ${text}\n`);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && this.drawn) this.stream.write("\r\x1b[2K");
  }

  /** The table at the end: counts per outcome, per error code, duration, requests/s. */
  table({ source, operation, requests }) {
    const { counts, codes } = this.summary();
    const elapsed = Date.now() - this.started;
    const rows = [["source", source], ["operation", operation], ["profiles read", String(this.read)]];
    for (const o of OUTCOMES) rows.push([o, String(counts[o] ?? 0)]);
    if (this.planned) rows.push(["planned (dry run)", String(this.planned)]);
    for (const [code, n] of Object.entries(codes)) rows.push([`code ${code}`, String(n)]);
    rows.push(["duration", duration(elapsed)]);
    rows.push(["requests/s", elapsed > 0 ? ((requests * 1000) / elapsed).toFixed(1) : "0"]);
    const width = Math.max(...rows.map(([k]) => k.length));
    this.stream.write(rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n") + "\n");
  }
}
