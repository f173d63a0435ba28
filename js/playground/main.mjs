// The mapping playground: the doors' own dry run (`new Handler(options).plan`)
// in the browser, as the user types. Every rule — mapping, guards, requests,
// the result text, the error places, the snippets, the samples — comes from
// the wasm core (src/playground/); this file only wires the page to it and
// keeps the state in the URL fragment. It never calls fetch: the wasm is
// inlined and compiled from bytes.

import {
  initSync,
  Handler,
  playgroundCatalog,
  resultText,
  baseUrlWarning,
  jsonProblem,
  secretProblem,
  leaksSecret,
  errorText,
  playgroundSnippets,
} from "../../pkg/playground/passbridge.js";
import { wasmDeflatedBase64, wasmSize } from "../../pkg/playground/passbridge_inline.js";
import { inflateRawNative } from "../inflate.mjs";

// The page is a module: it may wait for the browser's own inflater (every
// browser with DecompressionStream("deflate-raw"): Chrome 103, Firefox 113,
// Safari 16.4), so it carries no JS inflater.
const binary = atob(wasmDeflatedBase64);
const deflated = new Uint8Array(binary.length);
for (let i = 0; i < binary.length; i++) deflated[i] = binary.charCodeAt(i);
initSync({ module: await inflateRawNative(deflated, wasmSize) });

const catalog = JSON.parse(playgroundCatalog());
const $ = (id) => document.getElementById(id);
const TEXTS = ["profile", "event", "options", "env"];
const el = Object.fromEntries(
  ["provider", "operation", "route", "verdict", "request", "error", ...TEXTS].map((id) => [id, $(id)]),
);
const snippetEls = { env: $("snippet-env"), webhook: $("snippet-webhook"), code: $("snippet-code") };

const providerInfo = (id) => catalog.providers.find((p) => p.id === id) ?? catalog.providers[0];
const operationInfo = (p, id) => p.operations.find((o) => o.id === id) ?? p.operations[0];
const samples = (p, o) => ({ options: o.sampleOptions, env: p.sampleEnv, event: o.sampleEvent });
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

let shown = { provider: null, operation: null };
let snippets = null;

function fillOperations(p) {
  el.operation.replaceChildren(...p.operations.map((o) => new Option(o.id, o.id)));
}

/** Selects provider and operation; textareas still holding the old samples get the new ones. */
function choose(providerId, operationId, { keepTexts = false } = {}) {
  const p = providerInfo(providerId);
  const o = operationInfo(p, operationId);
  const before = shown.provider && samples(shown.provider, shown.operation);
  if (shown.provider !== p) fillOperations(p);
  el.provider.value = p.id;
  el.operation.value = o.id;
  el.route.textContent = `Worker route ${o.route}`;
  if (!keepTexts) {
    const after = samples(p, o);
    for (const k of ["options", "env", "event"]) {
      if (!before || el[k].value === before[k]) el[k].value = after[k];
    }
  }
  shown = { provider: p, operation: o };
}

function setStale(node, stale) {
  node.classList.toggle("stale", stale);
  node.toggleAttribute("data-stale", stale);
}

/** A mistake being typed: say where, keep the last good result greyed out. */
function showProblem(text) {
  el.error.textContent = text;
  setStale(el.request, true);
  el.verdict.textContent = "input error";
  el.verdict.className = "badge bad";
}

function showSnippets(s) {
  for (const k of ["env", "webhook", "code"]) setStale(snippetEls[k], s === null);
  if (s === null) return;
  snippets = s;
  snippetEls.env.textContent = s.env;
  snippetEls.webhook.textContent = s.webhook;
  snippetEls.code.textContent = s.code;
}

/**
 * A base-URL override in #env (a shared link can plant one): shown above the
 * result, and the copy buttons stay off until it is acknowledged. A link
 * cannot acknowledge it: the box is not part of the state.
 */
function showOverride(warning) {
  const box = $("override");
  if (warning !== $("override-text").textContent) $("override-ok").checked = false;
  $("override-text").textContent = warning ?? "";
  box.hidden = warning === undefined;
  const locked = warning !== undefined && !$("override-ok").checked;
  for (const b of document.querySelectorAll("button[data-copy]")) b.disabled = locked;
}

function update() {
  const parsed = {};
  const problems = [];
  for (const k of TEXTS) {
    const text = el[k].value;
    if (k === "event" && text.trim() === "") continue;
    const problem = jsonProblem(`#${k}`, text);
    if (problem === undefined) parsed[k] = JSON.parse(text);
    else problems.push(problem);
  }
  if (isObject(parsed.env)) showOverride(baseUrlWarning(parsed.env));
  // A secret named in #env or #options is refused, and what the fragment
  // saved of it before (under a misspelt name) is removed at once.
  const secret = secretProblem(el.env.value, el.options.value);
  if (secret !== undefined) dropSecrets();
  saveState(problems.length === 0 && secret === undefined);
  if (secret !== undefined) {
    showSnippets(null);
    return showProblem(errorText(secret, {}, {}));
  }
  if (problems.length > 0) {
    showSnippets(null);
    return showProblem(problems.join("\n\n"));
  }
  // Provider and operation come from the selects; the API key is a placeholder.
  const options = isObject(parsed.options)
    ? { ...parsed.options, provider: el.provider.value, operation: el.operation.value }
    : parsed.options;
  const env = isObject(parsed.env)
    ? { ...parsed.env, [shown.provider.keyVariable]: catalog.placeholderKey }
    : parsed.env;
  const describe = (error) =>
    typeof error?.code === "string" ? errorText(error, options, parsed.env) : String(error);
  let handler;
  try {
    handler = new Handler(options);
  } catch (error) {
    // An option or template being typed: the last good result stays, greyed.
    showSnippets(null);
    return showProblem(describe(error));
  }
  let result;
  let failed = false;
  try {
    result = handler.plan(parsed.event, parsed.profile, env);
  } catch (error) {
    result = error;
    failed = true;
  } finally {
    handler.free();
  }
  let writeBack = "";
  try {
    const s = playgroundSnippets(options, parsed.env, parsed.profile, parsed.event);
    writeBack = s.writeBack;
    showSnippets(s);
  } catch {
    showSnippets(null);
  }
  // A template read from #env (PASSBRIDGE_FIELDS…) is parsed when planning.
  if (failed && (typeof result?.code !== "string" || result.code === "invalid_template")) {
    return showProblem(describe(result));
  }
  el.request.textContent = resultText(result, parsed.env);
  // The Worker's second request (docs/write-back.md), when the operation has one.
  const then = !failed && !result.skipped ? writeBack : "";
  $("write-back").textContent = then;
  $("write-back-box").hidden = then === "";
  setStale(el.request, false);
  el.error.textContent = failed ? describe(result) : "";
  const [word, tone] = failed ? ["error", "bad"] : result.skipped ? ["skipped, nothing sent", "skip"] : ["would send", "ok"];
  el.verdict.textContent = word;
  el.verdict.className = `badge ${tone}`;
}

// ---------------------------------------------------------------- the URL fragment

let lastSave = -Infinity;
let saveTimer;

/** Writes the state into the fragment: at once, or within 60 ms when typing fast. */
function saveState(ok) {
  clearTimeout(saveTimer);
  if (!ok) return;
  const write = () => {
    lastSave = performance.now();
    const params = new URLSearchParams({ provider: el.provider.value, operation: el.operation.value });
    for (const k of TEXTS) params.set(k, el[k].value);
    history.replaceState(null, "", `#${params}`);
  };
  if (performance.now() - lastSave >= 60) write();
  else saveTimer = setTimeout(write, 60);
}

/** Removes from the fragment (history's current entry) every saved value that holds a refused secret. */
function dropSecrets() {
  const params = new URLSearchParams(location.hash.slice(1));
  const leaking = [...params].filter(([, v]) => leaksSecret(v, el.env.value, el.options.value)).map(([k]) => k);
  if (leaking.length === 0) return;
  for (const k of leaking) params.delete(k);
  history.replaceState(null, "", `#${params}`);
}

function restore() {
  const params = new URLSearchParams(location.hash.slice(1));
  choose(params.get("provider") ?? catalog.providers[0].id, params.get("operation"), { keepTexts: shown.provider !== null });
  for (const k of TEXTS) if (params.has(k)) el[k].value = params.get(k);
}

// ---------------------------------------------------------------- copy buttons

async function copy(button) {
  if (button.disabled) return;
  const text = button.dataset.copy === "webhook-body" ? snippets?.webhookBody ?? "" : $(button.dataset.copy).textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => (button.textContent = label), 1200);
}

// ---------------------------------------------------------------- wiring

el.provider.replaceChildren(...catalog.providers.map((p) => new Option(p.name, p.id)));
el.profile.value = catalog.sampleProfile;
restore();
for (const k of TEXTS) {
  el[k].addEventListener("input", update);
  el[k].addEventListener("change", update);
}
// A pick arrives as `input` and `change`; act once per new value.
const picked = () => {
  if (el.provider.value !== shown.provider.id) choose(el.provider.value, null);
  else if (el.operation.value !== shown.operation.id) choose(el.provider.value, el.operation.value);
  else return;
  update();
};
for (const select of [el.provider, el.operation]) {
  select.addEventListener("input", picked);
  select.addEventListener("change", picked);
}
window.addEventListener("hashchange", () => {
  restore();
  update();
});
for (const b of document.querySelectorAll("button[data-copy]")) b.addEventListener("click", () => copy(b));
$("override-ok").addEventListener("change", () => showOverride($("override").hidden ? undefined : $("override-text").textContent));
update();
document.documentElement.dataset.ready = "true";
