// What a person watching a run sees on stderr (js/sync/progress.mjs): a live
// line redrawn in place on a TTY, a plain line per tick otherwise, and the
// summary table. Drawn on demand here (no timers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Progress } from "../../js/sync/progress.mjs";

function stream(isTTY) {
  return { isTTY, text: "", write(s) { this.text += s; } };
}

const summary = () => ({ counts: { updated: 40, failed: 2, ambiguous: 1 }, codes: { invalid_profile: 2, network: 1 } });

test("on a TTY: one line redrawn in place, with read/sent, outcome counts, rate, percent and ETA", () => {
  const s = stream(true);
  const p = new Progress(s);
  p.total = 200;
  p.read = 43;
  p.sent = 41;
  p.started = Date.now() - 10_000;
  p.summary = summary;
  p.draw();
  assert.ok(s.text.startsWith("\r\x1b[2K"), JSON.stringify(s.text));
  assert.ok(!s.text.includes("\n"), "the live line is redrawn, not appended");
  assert.match(s.text, /read 43 · sent 41 · updated 40 · failed 2 · ambiguous 1 · \d+\.\d\/s · 21% of 200, ETA \d+s/);
  p.stop();
  assert.ok(s.text.endsWith("\r\x1b[2K"), "stopping clears the line");
});

test("without a TTY: plain lines (no escape codes); the summary table has outcomes, codes, duration, requests/s", () => {
  const s = stream(false);
  const p = new Progress(s);
  p.read = 43;
  p.started = Date.now() - 2000;
  p.summary = summary;
  p.draw();
  p.draw();
  assert.equal(s.text.split("\n").filter(Boolean).length, 2);
  assert.ok(!s.text.includes("\x1b"));
  assert.match(s.text, /^passbridge sync: read 43 · sent 0 · updated 40/);
  s.text = "";
  p.table({ source: "segment:S1", operation: "passninja/update", requests: 100 });
  for (const row of [/source\s+segment:S1/, /operation\s+passninja\/update/, /profiles read\s+43/, /updated\s+40/, /created\s+0/, /failed\s+2/, /ambiguous\s+1/, /code invalid_profile\s+2/, /code network\s+1/, /duration\s+\d+s/, /requests\/s\s+\d+\.\d/]) {
    assert.match(s.text, row);
  }
});
