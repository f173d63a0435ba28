// The Worker entry of bench/d1-cost.mjs: js/worker.mjs unchanged, with its
// LEDGER binding wrapped so that every D1 batch is counted (batches, rows
// read, rows written, as D1 reports them in each result's `meta`).
// GET /__meter answers the counts since the previous GET and resets them.
// A bench tool only: never deployed.

import worker from "../js/worker.mjs";

const zero = () => ({ batches: 0, rowsRead: 0, rowsWritten: 0 });
let meter = zero();

function metered(db) {
  return {
    prepare: (sql) => db.prepare(sql),
    async batch(statements) {
      const results = await db.batch(statements);
      meter.batches++;
      for (const r of results) {
        meter.rowsRead += r.meta?.rows_read ?? 0;
        meter.rowsWritten += r.meta?.rows_written ?? 0;
      }
      return results;
    },
  };
}

export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__meter") {
      const m = meter;
      meter = zero();
      return Response.json(m);
    }
    return worker.fetch(request, { ...env, LEDGER: metered(env.LEDGER) }, ctx);
  },
};
