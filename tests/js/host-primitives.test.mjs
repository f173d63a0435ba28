// The host-primitives differential (docs/host-primitives.md): the native
// build's case mapping, number text and number parsing (dumped by
// `cargo test --test host_primitives`) against the JavaScript host's and the
// wasm build's, over every code point and the fuzzers' values. A disagreement
// fails unless docs/host-primitives.md lists its code point.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createHandler } from '../../js/klaviyo.mjs';

const root = new URL('../../', import.meta.url);
const dumpPath = new URL('.tmp/host-primitives/native.json', root).pathname;

/** The code points docs/host-primitives.md lists as version-dependent (case mapping, or `nfkd`). */
function documentedRanges(which = 'version-dependent ranges') {
  const doc = readFileSync(new URL('docs/host-primitives.md', root), 'utf8');
  const start = doc.indexOf(`<!-- host-primitives: ${which}`);
  const end = doc.indexOf('<!-- /host-primitives -->', start);
  assert.ok(start >= 0 && end > start, 'the documented ranges are marked in docs/host-primitives.md');
  const ranges = [];
  for (const m of doc.slice(start, end).matchAll(/^\| U\+([0-9A-F]{4,6})(?:–U\+([0-9A-F]{4,6}))? \|/gm)) {
    ranges.push([parseInt(m[1], 16), parseInt(m[2] ?? m[1], 16)]);
  }
  assert.ok(ranges.length > 0);
  return ranges;
}

const ENV = { PASSNINJA_API_KEY: 'k', PASSNINJA_ACCOUNT_ID: 'aid_0x1', PASSNINJA_TEMPLATE_ID: 'ptk_0x1' };

/** Renders `template` with each value as person.properties.v, through the wasm build (dry run); null for an error. */
async function renderAll(template, values) {
  const handler = createHandler({ env: ENV, dryRun: true, fields: { v: template } });
  const out = [];
  for (const v of values) {
    try {
      const result = await handler(null, { external_id: 'S1', properties: { v } }, {});
      out.push(JSON.parse(result.request.body).pass.v);
    } catch {
      out.push(null);
    }
  }
  return out;
}

describe('host primitives: native (Rust) against the host (JavaScript) and the wasm build', () => {
  let native;
  let ranges;
  const documented = (cp) => ranges.some(([a, b]) => cp >= a && cp <= b);

  before(() => {
    mkdirSync(new URL('.tmp/host-primitives/', root), { recursive: true });
    execFileSync('cargo', ['test', '--quiet', '--test', 'host_primitives'], {
      cwd: root,
      env: { ...process.env, PASSBRIDGE_HOST_DUMP: dumpPath },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    native = JSON.parse(readFileSync(dumpPath, 'utf8'));
    ranges = documentedRanges();
  });

  it('toUpperCase and toLowerCase agree with Rust on every code point outside the documented ones', () => {
    const undocumented = [];
    let checked = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const s = String.fromCodePoint(cp);
      for (const [how, want] of [['toUpperCase', native.upper[s] ?? s], ['toLowerCase', native.lower[s] ?? s]]) {
        checked++;
        const got = s[how]();
        if (got !== want && !documented(cp)) undocumented.push(`U+${cp.toString(16).toUpperCase()} ${how}: host ${JSON.stringify(got)}, Rust ${JSON.stringify(want)}`);
      }
    }
    assert.equal(checked, 2 * (0x110000 - 0x800));
    assert.deepEqual(undocumented, []);
  });

  it('the wasm build renders upper, lower, title and capfirst over the fuzzers\' words as the native build does', async () => {
    for (const filter of ['upper', 'lower', 'title', 'capfirst']) {
      assert.ok(native.filters[filter].every((v) => typeof v === 'string'), `native ${filter} rendered every word`);
      const got = await renderAll(`{{ person.properties.v|${filter} }}`, native.words);
      assert.deepEqual(got, native.filters[filter], filter);
    }
  });

  it('the wasm build bounds the case mapping of long texts as the native build does (the host\'s caseLen)', async () => {
    assert.ok(native.long.length >= 8);
    for (const { unit, times, lengths } of native.long) {
      for (const filter of ['upper', 'lower', 'title']) {
        const [got] = await renderAll(`{{ person.properties.v|${filter}|length }}`, [unit.repeat(times)]);
        assert.equal(got, lengths[filter], `${unit} × ${times} |${filter}`);
      }
    }
    assert.ok(native.long.some((l) => l.lengths.upper === null), 'some text is refused');
  });

  it('normalize("NFKD") keeps the ASCII that the native table (src/filters/unicode_data.rs) holds, on every code point outside the documented ones', () => {
    const src = readFileSync(new URL('src/filters/unicode_data.rs', root), 'utf8');
    const numbers = (name) => src.split(`const ${name}:`)[1].split('= [')[1].split('];')[0].split(',').map((x) => x.trim()).filter(Boolean).map(Number);
    const codes = numbers('CODES');
    const offsets = numbers('OFFSETS');
    const ascii = [...src.split('const ASCII: &str = concat!(')[1].split(');')[0].matchAll(/"((?:[^"\\]|\\.)*)"/g)]
      .map((m) => m[1].replace(/\\(.)/g, '$1')).join('');
    assert.equal(offsets.length, codes.length + 1);
    assert.equal(ascii.length, offsets.at(-1));
    const table = new Map(codes.map((c, i) => [c, ascii.slice(offsets[i], offsets[i + 1])]));
    const nfkdRanges = documentedRanges('nfkd');
    const undocumented = [];
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const host = String.fromCodePoint(cp).normalize('NFKD').replace(/[^\x00-\x7f]/g, '');
      const want = table.get(cp) ?? '';
      if (host !== want && !nfkdRanges.some(([a, b]) => cp >= a && cp <= b)) {
        undocumented.push(`U+${cp.toString(16).toUpperCase()}: host ${JSON.stringify(host)}, table ${JSON.stringify(want)}`);
      }
    }
    assert.deepEqual(undocumented, []);
  });

  it('the wasm build slugifies the fuzzers\' words as the native build does', async () => {
    assert.ok(native.filters.slugify.every((v) => typeof v === 'string'));
    assert.deepEqual(await renderAll('{{ person.properties.v|slugify }}', native.words), native.filters.slugify);
  });

  it('JSON.parse accepts, refuses and reads JSON texts as serde_json does (lone surrogate escapes documented)', () => {
    // The wasm's reading of JSON.parse's result (src/wasm/host.rs) refuses
    // numbers beyond the double range (Infinity) and nesting beyond 128 levels.
    const finite = (v, depth = 0) =>
      depth <= 128 &&
      (typeof v === 'number' ? Number.isFinite(v) : typeof v !== 'object' || v === null || Object.values(v).every((m) => finite(m, depth + 1)));
    const undocumented = [];
    for (const { text, ok, value } of native.json) {
      let parsed;
      let hostOk = true;
      try {
        parsed = JSON.parse(text);
        hostOk = finite(parsed);
      } catch {
        hostOk = false;
      }
      const loneSurrogate = /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i.test(text);
      if (hostOk !== ok) {
        if (!(loneSurrogate && hostOk)) undocumented.push(`${JSON.stringify(text)}: host ${hostOk}, serde_json ${ok}`);
      } else if (ok) {
        assert.deepStrictEqual(parsed, value, text);
      }
    }
    assert.ok(native.json.length >= 30);
    assert.deepEqual(undocumented, []);
  });

  it('String(n) agrees with the native number text on the fuzzers\' numbers and random doubles', () => {
    assert.ok(native.numbers.length >= 3000);
    const differ = native.numbers.filter((n, i) => String(n) !== native.texts[i]);
    assert.deepEqual(differ, []);
  });

  it('the wasm build prints numbers and reads numeric text back as the native build does', async () => {
    const sample = native.numbers.slice(0, 400);
    const printed = await renderAll('{{ person.properties.v }}', sample);
    assert.deepEqual(printed, native.texts.slice(0, 400));
    const texts = Object.keys(native.decimals);
    const read = await renderAll('{{ person.properties.v|floatadd:0 }}', texts);
    const differ = texts.filter((t, i) => read[i] !== native.decimals[t]).map((t, i) => `${t}: ${read[i]} vs ${native.decimals[t]}`);
    assert.deepEqual(differ, []);
  });
});
