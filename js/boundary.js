// The boundary's JavaScript helpers, bound in src/wasm/js.rs through ONE
// namespace object (`pb`), so the generated glue imports this module once.
//
// Each helper costs one crossing instead of several (a plain Reflect.get
// plus the is_* checks), and none lets a hostile value (a throwing getter, a
// revoked Proxy) throw through the wasm frames: an exception unwinding
// through Rust would skip its cleanup. The numbers kind() returns are
// defined once, by src/wasm/read.rs (ValueKind), and handed over through
// useKinds() when a Handler or WorkerApp is created.

const OBJECT_PROTO = Object.prototype;

function pb_get(o, k) {
  if (typeof o !== 'object' || o === null) return undefined;
  try {
    if (Array.isArray(o)) return /^(0|[1-9][0-9]*)$/.test(k) ? o[k] : undefined;
    return Object.hasOwn(o, k) ? o[k] : undefined;
  } catch { return undefined; }
}
function pb_at(o, i) {
  try { return Array.isArray(o) ? o[i] : undefined; } catch { return undefined; }
}
// A provider's answer, cut at `limit` bytes: only its status and an excerpt
// are used, so a prefix is enough and a huge answer is never an error. (The
// Worker's own request body is read by readBounded in js/worker.mjs, which
// refuses an oversized body whole instead: the two must differ.)
async function pb_read_text(res, limit) {
  const body = res.body;
  if (body == null || typeof body.getReader !== 'function') {
    return typeof res.text === 'function' ? String(await res.text()).slice(0, limit) : '';
  }
  const reader = body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - size;
    if (value.byteLength >= room) {
      chunks.push(value.subarray(0, room));
      size = limit;
      reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) { bytes.set(c, offset); offset += c.byteLength; }
  return new TextDecoder().decode(bytes);
}
function pb_keys(o) {
  try { return Object.keys(o); } catch { return null; }
}
// Each read of Node's process.env is a call into C++ (~0.35 µs). It inherits
// only from Object.prototype, so when that lacks `k` one read is an own read:
// hasOwn is needed only when it has `k` (a polluted prototype). Other env
// objects (options.env, a Worker's bindings, a Proxy) take the general path.
function pb_env_read(o, k) {
  if (o === globalThis.process?.env && !(k in OBJECT_PROTO)) {
    try { return o[k]; } catch { return undefined; }
  }
  return pb_get(o, k);
}
function pb_env(o, k) {
  const v = pb_env_read(o, k);
  switch (typeof v) {
    case 'string': return v;
    case 'number': case 'boolean': return String(v);
    default: return undefined;
  }
}
function pb_entries(o) {
  try { return Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : null]); } catch { return null; }
}
// A plain assignment to a fresh object creates the same own data property as
// defineProperty unless Object.prototype has the key (its own prototype is
// immutably null): only then (`__proto__`, `toString`, a polluting setter) is
// defineProperty needed. Measured: 5 headers 4.0 → 0.5 µs (BENCHMARKS.md).
function pb_set(o, k, v) {
  if (k in OBJECT_PROTO) Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}
function pb_dry_run(method, url, body, headers) {
  return { dryRun: true, request: { method, url, headers, body } };
}
/** What kind() answers, by name: undefined (or a function/symbol, or a value
 * that throws when inspected), null, boolean, number, string, array, plain
 * object, bigint, an object that is not JSON data. Given by the wasm. */
let KIND = Object.freeze({});
function pb_use_kinds(kinds) {
  KIND = Object.freeze({ ...kinds });
}
function pb_kind(v) {
  switch (typeof v) {
    case 'undefined': return KIND.UNDEFINED;
    case 'object': {
      if (v === null) return KIND.NULL;
      try {
        if (Array.isArray(v)) return KIND.ARRAY;
        // JSON data is a plain object: its prototype is a realm's root
        // (Object.prototype) or null. Anything else (Date, Map, Set, typed
        // arrays, class instances) is decided here without enumerating it.
        const p = Object.getPrototypeOf(v);
        return p === null || Object.getPrototypeOf(p) === null ? KIND.OBJECT : KIND.FOREIGN;
      } catch { return KIND.UNDEFINED; }
    }
    case 'boolean': return KIND.BOOL;
    case 'number': return KIND.NUMBER;
    case 'string': return KIND.STRING;
    case 'bigint': return KIND.BIGINT;
    default: return KIND.UNDEFINED;
  }
}
/** A deadline that rejects with `mark` (the boundary's timeout marker). */
function pb_deadline(ms, mark) {
  let controller;
  try { controller = new AbortController(); } catch {}
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => {
      try { controller?.abort(); } catch {}
      reject(mark);
    }, ms);
  });
  promise.catch(() => {});
  return { promise, signal: controller?.signal, timer };
}
function pb_cancel(d) { clearTimeout(d.timer); }
function pb_text(v) {
  try { return String(v); } catch { return ''; }
}
function pb_len(v) {
  try { return Array.isArray(v) ? v.length >>> 0 : Object.keys(v).length; } catch { return 0; }
}
// The host's primitives for the core (src/host.rs): the engine's own case
// mapping, NFKD, number text and number parsing (docs/host-primitives.md).
function pb_upper(s) { return s.toUpperCase(); }
function pb_lower(s) { return s.toLowerCase(); }
// The UTF-8 length of s with each code point replaced by its lower-case
// mapping, or by the longer of its lower- and upper-case mappings.
function utf8_len(t) {
  let n = 0;
  for (const c of t) { const p = c.codePointAt(0); n += p < 0x80 ? 1 : p < 0x800 ? 2 : p < 0x10000 ? 3 : 4; }
  return n;
}
function pb_case_len(s, upperToo) {
  let n = 0;
  for (const c of s) {
    const lower = utf8_len(c.toLowerCase());
    n += upperToo ? Math.max(lower, utf8_len(c.toUpperCase())) : lower;
  }
  return n;
}
function pb_nfkd(s) { return s.normalize('NFKD'); }
function pb_num_text(n) { return String(n); }
function pb_num(s) { return Number(s); }
function pb_json(s) { return JSON.parse(s); }

export const pb = {
  get: pb_get,
  at: pb_at,
  readText: pb_read_text,
  keys: pb_keys,
  env: pb_env,
  entries: pb_entries,
  set: pb_set,
  dryRun: pb_dry_run,
  kind: pb_kind,
  useKinds: pb_use_kinds,
  deadline: pb_deadline,
  cancel: pb_cancel,
  text: pb_text,
  len: pb_len,
  upper: pb_upper,
  lower: pb_lower,
  caseLen: pb_case_len,
  nfkd: pb_nfkd,
  numText: pb_num_text,
  num: pb_num,
  json: pb_json,
};
