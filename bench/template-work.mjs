// make bench: the work one call may do (issue 20). Each mapping below is
// within every documented limit; with the work budget (MAX_WORK) each either
// renders or stops with `invalid_profile` naming the field. Per-call time in
// Node through the single-file Code action (dry run), median of the calls.
//   node bench/template-work.mjs [path/to/klaviyo-code-action.mjs] [--once] [--only=1,4]
// `--once` times one call of each, `--only` runs the numbered cases (for a
// build without the budget, where some take minutes: give it a timeout).
import { performance } from "node:perf_hooks";

const args = process.argv.slice(2);
const once = args.includes("--once");
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",").map(Number);
const file = args.find((a) => !a.startsWith("--"));
const dist = file ? new URL(`file://${file}`) : new URL("../dist/klaviyo-code-action.mjs", import.meta.url);
Object.assign(process.env, {
  PASSNINJA_API_KEY: "bench-key", PASSNINJA_ACCOUNT_ID: "aid_0x3f2a", PASSNINJA_TEMPLATE_ID: "ptk_0x1b7e",
  PASSBRIDGE_DRY_RUN: "1",
});
const { createHandler } = await import(dist.href);

const skus = (from, to) => Array.from({ length: to - from }, (_, i) => `SKU-${String(from + i).padStart(4, "0")}`);
const pairs = (from) => Array.from({ length: 1000 }, (_, i) => [from + i, "x"]);
const many = (n, tpl) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, tpl]));
const VNB = "{% for x in person.properties.viewed %}{% if x in person.properties.purchased %}{{ x }},{% endif %}{% endfor %}";
const chain = (filter, room) => "|" + filter + `|${filter}`.repeat(Math.floor((4096 - room) / (filter.length + 1)) - 1);
const cond25 = (w) => Array(6).fill(`${w} == ${w}`).join(" and ") + ` and ${w}`;
const letters = "ÀÉÎÕÜàéîõüΣσßΐ".repeat(4700).slice(0, 21000); // ~48 KB of non-ASCII
const objects = Array.from({ length: 1000 }, (_, i) => ({ sku: `SKU-${i}`, total: i, tags: { a: { b: { c: i } } } }));

const cases = [
  ["viewed/purchased (111 bytes), two 1,000-item lists, half bought",
    { v: VNB }, { viewed: skus(0, 1000), purchased: skus(0, 1000).filter((_, i) => i % 2 === 0).reverse() }],
  ["viewed/purchased (111 bytes), two 1,000-item lists, none bought",
    { v: VNB }, { viewed: skus(0, 1000), purchased: skus(1000, 2000) }],
  ["viewed/purchased in 200 fields, two 1,000-item lists, none bought",
    many(200, VNB), { viewed: skus(0, 1000), purchased: skus(1000, 2000) }],
  ["viewed/purchased, items are [n, text] pairs, none bought (budget)",
    { v: VNB }, { viewed: pairs(0), purchased: pairs(1000) }],
  ["128-byte nested loop, `in` over [n, text] pairs in the body (budget)",
    { n: "{% for a in person.t %}{% for b in person.properties.l %}{% if b in person.m %}{{ b }}{% endif %}{% endfor %}{% endfor %}" },
    { t: skus(0, 10), l: pairs(0), m: pairs(1000) }],
  ["200 fields × 25-word condition, list == list of 640-byte texts (budget)",
    many(200, `{% if ${cond25("person.properties.l")} %}y{% endif %}`),
    { l: Array.from({ length: 1000 }, (_, i) => String(i).padStart(640, "0")) }],
  ["200 fields × 25-word condition, `in` over 1,000 short texts",
    many(200, `{% if ${Array(12).fill("'zz' in person.properties.l").join(" or ")} %}y{% endif %}`),
    { l: skus(0, 1000) }],
  ["200 fields × `in` a 64 KB text ×12 (budget)",
    many(200, `{% if ${Array(12).fill("'zz' in person.properties.t").join(" or ")} %}y{% endif %}`),
    { t: "x".repeat(65536) }],
  ["200 fields of `|lower|upper|…` over 64 KB of ASCII (budget)",
    many(200, `{{ person.properties.t${chain("lower", 40)}|length }}`), { t: "aB".repeat(32768) }],
  ["200 fields of `|upper|lower|…` over 48 KB of non-ASCII letters (budget)",
    many(200, `{{ person.properties.t${chain("upper", 40)}|length }}`), { t: letters }],
  ["200 fields of `|title|title|…` over 48 KB of non-ASCII letters (budget)",
    many(200, `{{ person.properties.t${chain("title", 40)}|length }}`), { t: letters }],
  ["200 fields of `|slugify|…` over 48 KB of non-ASCII letters (budget)",
    many(200, `{{ person.properties.t${chain("slugify", 40)}|length }}`), { t: letters }],
  ["200 fields of `|urlencode|…` over 21 KB of non-ASCII letters (budget)",
    many(200, `{{ person.properties.t|urlencode|length }}{{ person.properties.t${chain("urlencode", 80)}|length }}`), { t: "é".repeat(10000) }],
  ["200 fields of `|striptags|cut:'a'|…` over 64 KB of markup (budget)",
    many(200, `{{ person.properties.t${chain("striptags", 40)}|length }}`), { t: "<b>a</b> ".repeat(7281) }],
  ["200 fields of `|wordcount|truncatewords:1|…` over 64 KB of words (budget)",
    many(200, `{{ person.properties.t${chain("truncatewords:9999", 40)}|wordcount }}`), { t: "ab ".repeat(21845) }],
  ["200 fields of `|base64_encode|base64_decode|…` over 48 KB (budget)",
    many(200, `{{ person.properties.t${chain("base64_encode|base64_decode", 40)}|length }}`), { t: "x".repeat(49000) }],
  ["200 fields of `date` with a 2,000-character format, twice per field (budget)",
    many(200, `{{ person.properties.d|date:'${"r".repeat(2000)}'|length }}`.repeat(2)), { d: "2024-03-01T10:00:00Z" }],
  ["200 fields of `join` of 1,000 items ×30 (budget)",
    many(200, `{{ person.properties.l|join:','|length }}`.repeat(30)), { l: skus(0, 1000) }],
  ["200 fields: 9,000 loop steps each reading 6 deep members (budget)",
    many(200, "{% for a in person.properties.ten %}{% for o in person.properties.o %}{% if o.tags.a.b.c == o.total or o.sku == o.tags.a.b.c or o.total < a %}{% endif %}{% endfor %}{% endfor %}"),
    { ten: Array.from({ length: 9 }, (_, i) => i), o: objects }],
  ["200 fields: 9,000 loop steps over a 1,000-character text (budget)",
    many(200, "{% for a in person.properties.ten %}{% for c in person.properties.s %}{% if c == 'z' %}{{ c }}{% endif %}{% endfor %}{% endfor %}"),
    { ten: Array.from({ length: 9 }, (_, i) => i), s: "y".repeat(1000) }],
  ["200 fields: 9,000 loop steps of a 100-word condition on literals (budget)",
    many(200, `{% for a in person.properties.ten %}{% for b in person.properties.l %}{% if ${Array(25).fill("1 == 2").join(" or ")} %}{% endif %}{% endfor %}{% endfor %}`),
    { ten: Array.from({ length: 9 }, (_, i) => i), l: skus(0, 1000) }],
  ["200 fields × 25-word condition, list == list of 1,000 numbers (budget)",
    many(200, `{% if ${cond25("person.properties.n")} %}y{% endif %}`), { n: Array.from({ length: 1000 }, (_, i) => i) }],
  ["200 fields × 25-word condition, `in` a compacted list (scanned) (budget)",
    many(200, `{% if ${Array(12).fill("'zz' in person.properties.l|compact").join(" or ")} %}y{% endif %}`), { l: skus(0, 1000) }],
  ["200 fields × 25-word condition, list < list of 1,000 texts (budget)",
    many(200, `{% if ${Array(6).fill("person.properties.l < person.properties.l").join(" and ")} and 1 %}y{% endif %}`), { l: skus(0, 1000) }],
  ["200 fields: 9,000 loop steps reading a 64 KB text (budget)",
    many(200, "{% for a in person.properties.ten %}{% for b in person.properties.l %}{% if person.properties.t %}{% endif %}{% endfor %}{% endfor %}"),
    { ten: Array.from({ length: 9 }, (_, i) => i), l: skus(0, 1000), t: "x".repeat(65536) }],
  ["200 fields: 9,000 loop steps over 1,000 texts of 4 KB (budget)",
    many(200, "{% for a in person.properties.ten %}{% for b in person.properties.l %}{% if b %}{% endif %}{% endfor %}{% endfor %}"),
    { ten: Array.from({ length: 9 }, (_, i) => i), l: Array.from({ length: 1000 }, (_, i) => String(i).padStart(4096, "x")) }],
  ["200 fields × 25-word condition, `in` a `compact`ed list of 1,000 texts of 4 KB (budget)",
    many(200, `{% if ${Array(12).fill("'zz' in person.properties.l|compact").join(" or ")} %}y{% endif %}`),
    { l: Array.from({ length: 1000 }, (_, i) => String(i).padStart(4096, "x")) }],
  ["200 fields: a 40-key path read 9,000 times (budget)",
    many(200, `{% for a in person.properties.ten %}{% for b in person.properties.l %}{{ person.properties${".k".repeat(40)} }}{% endfor %}{% endfor %}`),
    { ten: Array.from({ length: 9 }, (_, i) => i), l: skus(0, 1000) }],
];

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
// CPU time (user + system) of this process: the machine is shared, so wall
// time also counts other processes' turns; both are shown.
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
console.log(`Node ${process.version}, ${dist.pathname}${once ? ", one call each" : ", median of 9 calls after 2 warm-up calls"}\n`);
console.log("| # | mapping (each within every documented limit) | outcome | CPU ms per call | wall ms |\n|---|---|---|---|---|");
let worst = 0;
// Warm up: the wasm's optimising tier compiles on first heavy use.
if (!once) {
  const [, fields, properties] = cases[0];
  const warm = createHandler({ fields });
  for (let i = 0; i < 50; i++) await warm(null, { external_id: "C-42", properties }, {});
}
for (const [n, [name, fields, properties]] of cases.entries()) {
  if (only && !only.includes(n + 1)) continue;
  let handler;
  try { handler = createHandler({ fields }); } catch (e) { console.log(`| ${n + 1} | ${name} | refused at creation: ${e.code} | | |`); continue; }
  const profile = { external_id: "C-42", properties };
  const call = async () => {
    try { await handler(null, profile, {}); return "renders"; }
    catch (e) { return /work budget/.test(e.message) ? `${e.code}: budget spent in ${e.message.match(/field '[^']*'/)?.[0]}` : `${e.code}: ${e.message.slice(0, 60)}`; }
  };
  const times = [], cpu = [];
  let outcome;
  for (let i = 0; i < (once ? 1 : 11); i++) {
    const t0 = performance.now(), c0 = cpuMs();
    outcome = await call();
    if (once || i >= 2) { times.push(performance.now() - t0); cpu.push(cpuMs() - c0); }
  }
  const ms = median(cpu);
  worst = Math.max(worst, ms);
  console.log(`| ${n + 1} | ${name} | ${outcome} | ${ms.toFixed(2)} | ${median(times).toFixed(2)} |`);
}
console.log(`\nslowest: ${worst.toFixed(2)} CPU ms per call`);
