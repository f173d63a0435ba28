// The deliveries page: a browser face for the Worker's review API. Every
// value, every state, every route and every decision offered comes from the
// API's JSON (the rules live in the Rust core, src/ledger/admin.rs); this file
// only shows it, as text (never as HTML), and sends what the person chose.
// The secret lives in one variable of this module: never in the URL,
// localStorage, sessionStorage, a cookie or the DOM after sign-in.

const API = "/deliveries";
const SUMMARY = "/deliveries/summary";
const $ = (id) => document.getElementById(id);
const el = Object.fromEntries(
  ["off", "signin", "signin-form", "secret", "sign-in", "queue", "counts", "state", "route", "refresh",
    "deliveries", "empty", "more", "message", "confirmation", "confirm-title", "confirm-text",
    "confirm-request", "confirm", "cancel"].map((id) => [id, $(id)]),
);

/** What each decision the API may offer means to a person, and how to ask for it. */
const ACTIONS = {
  applied: {
    label: "It was applied",
    title: "Mark it done: it was applied",
    text: "The delivery becomes done and is never sent. Nothing is sent to the provider now.",
    path: "resolve",
    body: { applied: true },
  },
  drop: {
    label: "It was not applied, drop it",
    title: "Drop it: it was not applied",
    text: "The delivery becomes dropped and is never sent again. Nothing is sent to the provider now.",
    path: "resolve",
    body: { applied: false },
  },
  resend: {
    label: "Send it once more",
    title: "Send it once more, now",
    text: "This request is sent to the provider exactly once, with the Worker's current credentials (never shown):",
    path: "resend",
    body: null,
  },
};

let secret = null;
let next = null;
let busy = false; // a decision is being sent
let loading = false; // a list is being loaded
let loads = 0; // the number of the newest load
let pending = null; // { id, action } while the confirmation is open

function say(text, kind = "info") {
  el.message.textContent = text;
  el.message.dataset.kind = kind;
}

class ApiError extends Error {
  constructor(status, json, text) {
    super(json?.detail ?? (text || `HTTP ${status}`));
    this.status = status;
    this.json = json;
  }
}

/** One call to the review API (same origin, no cookie, no referrer). */
async function api(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${secret}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
    referrerPolicy: "no-referrer",
    redirect: "error",
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: shown as text */
  }
  return { status: res.status, ok: res.ok, json, text };
}

async function apiOk(path, init) {
  const r = await api(path, init);
  if (!r.ok || r.json === null) throw new ApiError(r.status, r.json, r.text);
  return r.json;
}

/** The queue order (waiting for a decision first, newest first) with the chosen filters. */
function listPath(cursor) {
  const q = new URLSearchParams({ order: "queue" });
  if (el.state.value) q.set("state", el.state.value);
  if (el.route.value) q.set("route", el.route.value);
  if (cursor) q.set("cursor", cursor);
  return `${API}?${q}`;
}

const node = (tag, props = {}, ...children) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") n.className = v;
    else if (k === "data") Object.assign(n.dataset, v);
    else n[k] = v;
  }
  n.append(...children.filter((c) => c !== null && c !== undefined));
  return n;
};

/** The body as sent, indented when it is JSON (text otherwise). */
function pretty(body) {
  if (body === null || body === undefined) return "(no body)";
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return String(body);
  }
}

const requestText = (r) => `${r?.method ?? ""} ${r?.url ?? ""}\n\n${pretty(r?.body)}`;
const shown = (v) => (v === null || v === undefined ? "—" : String(v));

function fact(name, value) {
  return node("div", {}, node("dt", { textContent: name }), node("dd", { textContent: shown(value) }));
}

function renderDelivery(d) {
  const actions = Array.isArray(d.actions) ? d.actions.filter((a) => Object.hasOwn(ACTIONS, a)) : [];
  const buttons = actions.map((a) =>
    node("button", { type: "button", textContent: ACTIONS[a].label, class: a === "resend" ? "primary" : "", data: { action: a } }),
  );
  const details = node(
    "details",
    {},
    node("summary", { textContent: `Request: ${shown(d.request?.method)} ${shown(d.request?.url)}` }),
    node("pre", { class: "request", textContent: requestText(d.request) }),
  );
  return node(
    "article",
    { class: "delivery", data: { delivery: String(d.delivery), state: String(d.state) } },
    node(
      "div",
      { class: "head" },
      node("span", { class: `badge s-${String(d.state).replace(/[^a-z]/g, "")}`, textContent: shown(d.state) }),
      node("code", { class: "route", textContent: shown(d.route) }),
      node("code", { class: "id", textContent: shown(d.delivery) }),
    ),
    node(
      "dl",
      {},
      fact("First seen", d.createdAt),
      fact("Last tried", d.updatedAt),
      fact("Attempts", d.attempts),
      fact("Provider status", d.upstreamStatus),
      fact("Error code", d.code),
    ),
    details,
    buttons.length ? node("div", { class: "actions" }, ...buttons) : null,
  );
}

function rowOf(id) {
  return [...el.deliveries.children].find((n) => n.dataset.delivery === id) ?? null;
}

function fillSelect(select, values, first) {
  const now = [...select.options].map((o) => o.value);
  const want = first ? ["", ...values] : values;
  if (now.length === want.length && now.every((v, i) => v === want[i])) return;
  const keep = select.value;
  const options = values.map((v) => new Option(v, v));
  select.replaceChildren(...(first ? [new Option(first, "")] : []), ...options);
  select.value = values.includes(keep) ? keep : "";
}

/** The summary: the states, the recorded routes and the counts of the last 24 hours. */
function showMeta(json) {
  if (Array.isArray(json.states)) fillSelect(el.state, json.states.map(String), "Waiting first, all states");
  if (Array.isArray(json.routes)) fillSelect(el.route, json.routes.map(String), "All routes");
  if (json.counts && typeof json.counts === "object") {
    const states = Array.isArray(json.states) ? json.states.map(String) : Object.keys(json.counts);
    el.counts.replaceChildren(
      node("span", { class: "caption", textContent: "Last 24 hours" }),
      ...states.map((s) =>
        node("span", { class: `count s-${s.replace(/[^a-z]/g, "")}`, data: { state: s } },
          node("b", { textContent: shown(json.counts[s] ?? 0) }), ` ${s}`),
      ),
    );
  }
}

function showPage(json, append) {
  const list = Array.isArray(json.deliveries) ? json.deliveries : [];
  const rows = list.map(renderDelivery);
  if (append) el.deliveries.append(...rows);
  else el.deliveries.replaceChildren(...rows);
  next = typeof json.next === "string" ? json.next : null;
  el.more.hidden = next === null;
  el.empty.hidden = el.deliveries.children.length > 0;
}

function describeError(e) {
  if (e instanceof ApiError) {
    if (e.status === 401) return "Wrong secret: the review API refused it (401). Use the Worker's PASSBRIDGE_ADMIN_SECRET.";
    if (e.status === 404 && e.json?.code === "route_not_found") return "The review API is off (404): PASSBRIDGE_ADMIN_SECRET is not set on this Worker.";
    return `${e.status}${e.json?.code ? ` ${e.json.code}` : ""}: ${e.message}`;
  }
  return `The Worker could not be reached: ${e?.message ?? e}`;
}

function signOut(text) {
  secret = null;
  el.queue.hidden = true;
  el.deliveries.replaceChildren();
  el.counts.replaceChildren();
  el.signin.hidden = false;
  say(text, "error");
  el.secret.focus();
}

/** Loads the first page for the current filters (or the next one); a newer load wins. */
async function load(append = false) {
  if (append && (loading || next === null)) return false;
  const mine = ++loads;
  loading = true;
  el.more.disabled = true;
  try {
    const summary = append ? null : await apiOk(SUMMARY);
    const page = await apiOk(listPath(append ? next : null));
    if (mine !== loads) return false;
    if (summary) showMeta(summary);
    showPage(page, append);
    return true;
  } catch (e) {
    if (mine !== loads) return false;
    if (e instanceof ApiError && (e.status === 401 || e.status === 404)) signOut(describeError(e));
    else say(describeError(e), "error");
    return false;
  } finally {
    if (mine === loads) {
      loading = false;
      el.more.disabled = false;
    }
  }
}

async function signIn(event) {
  event.preventDefault();
  if (loading || el.secret.value === "") return;
  secret = el.secret.value;
  say("Signing in…");
  if (await load()) {
    el.secret.value = "";
    el.signin.hidden = true;
    el.queue.hidden = false;
    say("Signed in.");
  }
}

function ask(id, action) {
  const a = ACTIONS[action];
  const row = rowOf(id);
  if (!a || !row || busy) return;
  pending = { id, action };
  el["confirm-title"].textContent = a.title;
  el["confirm-text"].textContent = `${a.text}${action === "resend" ? "" : ` (delivery ${id})`}`;
  const request = row.querySelector("pre.request")?.textContent ?? "";
  el["confirm-request"].textContent = action === "resend" ? request : "";
  el["confirm-request"].hidden = action !== "resend";
  el.confirm.disabled = false;
  el.confirmation.showModal();
  el.cancel.focus();
}

function closeConfirmation() {
  pending = null;
  if (el.confirmation.open) el.confirmation.close();
}

/** Replaces a row with the API's current view of it (or removes it when gone). */
async function refreshRow(id) {
  const r = await api(`${API}/${id}`);
  const row = rowOf(id);
  if (r.ok && r.json) {
    row?.replaceWith(renderDelivery(r.json));
    return r.json;
  }
  if (r.status === 404) row?.remove();
  return null;
}

async function refreshCounts() {
  const r = await api(SUMMARY).catch(() => null);
  if (r?.ok && r.json) showMeta(r.json);
}

async function decide() {
  if (!pending || busy) return;
  const { id, action } = pending;
  const a = ACTIONS[action];
  busy = true;
  el.confirm.disabled = true;
  const row = rowOf(id);
  row?.querySelectorAll("button").forEach((b) => (b.disabled = true));
  closeConfirmation();
  say(action === "resend" ? "Sending…" : "Saving…");
  try {
    const r = await api(`${API}/${id}/${a.path}`, { method: "POST", body: a.body ?? undefined });
    if (r.status === 401 || (r.status === 404 && r.json?.code === "route_not_found")) {
      signOut(describeError(new ApiError(r.status, r.json, r.text)));
      return;
    }
    if (action === "resend" && r.status !== 409 && r.json?.code !== "delivery_not_found") {
      const now = await refreshRow(id);
      say(`Sent once more: HTTP ${r.status}${now ? `; the delivery is now ${now.state}` : ""}. The Worker answered:\n${pretty(r.text)}`, r.status < 300 ? "ok" : "error");
      await refreshCounts();
      return;
    }
    if (r.status === 409) {
      say(`409 Conflict, someone else decided meanwhile: ${r.json?.detail ?? r.text}`, "error");
    } else if (r.ok && r.json) {
      say(`Delivery ${id} is now ${shown(r.json.state)}.`, "ok");
      rowOf(id)?.replaceWith(renderDelivery(r.json));
      await refreshCounts();
      return;
    } else {
      say(describeError(new ApiError(r.status, r.json, r.text)), "error");
    }
    await refreshRow(id);
    await refreshCounts();
  } catch (e) {
    say(describeError(e), "error");
    rowOf(id)?.querySelectorAll("button").forEach((b) => (b.disabled = false));
  } finally {
    busy = false;
    // Keyboard users stay on the row they decided on.
    rowOf(id)?.querySelector("summary")?.focus();
  }
}

el["signin-form"].addEventListener("submit", signIn);
el.state.addEventListener("change", () => load());
el.route.addEventListener("change", () => load());
el.refresh.addEventListener("click", () => load());
el.more.addEventListener("click", () => load(true));
el.deliveries.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  const row = button?.closest("[data-delivery]");
  if (button && row && !button.disabled) ask(row.dataset.delivery, button.dataset.action);
});
el.confirm.addEventListener("click", decide);
el.cancel.addEventListener("click", () => {
  closeConfirmation();
  say("Cancelled: nothing was changed.");
});
el.confirmation.addEventListener("cancel", () => {
  pending = null;
  say("Cancelled: nothing was changed.");
});

// The Worker says whether the review API is on when it serves the page.
if (document.documentElement.dataset.review === "off") {
  el.off.hidden = false;
  say("The review API is off: PASSBRIDGE_ADMIN_SECRET is not set on this Worker.", "error");
} else {
  el.signin.hidden = false;
  el.secret.focus();
}
document.documentElement.dataset.ready = "true";
