// Per-call cost of the template language (dry run, single-file Code action):
// the seed mapping, and a mapping with {% if %}/{% for %} and filters.
//   node bench/template.mjs [path/to/klaviyo-code-action.mjs]
import { performance } from "node:perf_hooks";

const dist = new URL(process.argv[2] ? `file://${process.argv[2]}` : "../dist/klaviyo-code-action.mjs", import.meta.url);
Object.assign(process.env, {
  PASSNINJA_API_KEY: "bench-key", PASSNINJA_ACCOUNT_ID: "aid_0x3f2a", PASSNINJA_TEMPLATE_ID: "ptk_0x1b7e",
  PASSBRIDGE_DRY_RUN: "1",
});
const { createHandler } = await import(dist.href);

function profile(i) {
  const properties = { loyalty_points: 100 * i, loyalty_tier: i % 2 ? "gold" : "silver", tags: ["vip", null, "new"] };
  for (let k = 0; k < 40; k++) properties[`custom_property_${k}`] = k % 3 ? `value ${k}` : k * 1.5;
  return { data: { type: "profile", attributes: { external_id: `s${i}`, first_name: "ada", properties } } };
}
const profiles = Array.from({ length: 64 }, (_, i) => profile(i));

const mappings = {
  "seed mapping (2 fields, {{ }} only)": undefined,
  "tier {% if %}/{% elif %}, {% for %} over 3 items, 4 filters": {
    "loyalty-tier": "{% if person.properties.loyalty_points >= 1000 %}Gold{% elif person.properties.loyalty_points >= 500 %}Silver{% else %}Bronze{% endif %}",
    "points-balance": "{{ person.properties.loyalty_points|default:0 }}",
    "tags": "{% for t in person.properties.tags %}{{ t|default:'-'|upper }}{% if not forloop.last %}, {% endif %}{% endfor %}",
    "name": "{{ person.first_name|capfirst|truncatechars:20 }}",
  },
};

const N = 20000, ROUNDS = 9;
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(`Node ${process.version}, ${dist.pathname}, ${N} calls × ${ROUNDS} rounds, medians\n`);
console.log("| mapping | µs per call |\n|---|---|");
for (const [name, fields] of Object.entries(mappings)) {
  let handler;
  try {
    handler = createHandler(fields ? { fields } : {});
    await handler(null, profiles[1], {});
  } catch (e) { console.log(`| ${name} | not supported (${e.code}) |`); continue; }
  const runs = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await handler(null, profiles[i & 63], {});
    if (r > 0) runs.push(((performance.now() - t0) * 1000) / N);
  }
  console.log(`| ${name} | ${median(runs).toFixed(2)} |`);
}
