// Shared helpers for the Code action suites (not a test file itself).

import assert from 'node:assert/strict';
import { inspect } from 'node:util';

/** The two builds of the Code action door; every suite runs against both. */
export const MODULES = [
  { name: 'js/klaviyo.mjs', url: new URL('../../js/klaviyo.mjs', import.meta.url) },
  { name: 'dist/klaviyo-code-action.mjs', url: new URL('../../dist/klaviyo-code-action.mjs', import.meta.url) },
];

/** What Klaviyo passes as `context`. */
export const CONTEXT = Object.freeze({ company_id: 'ABC123', function_id: 'fn_01', trigger: 'flow' });

/** A JSON:API event, as Klaviyo passes for metric-triggered flows. */
export const EVENT = Object.freeze({
  data: {
    type: 'event',
    id: 'evt_1',
    attributes: { timestamp: 1717400000, uuid: 'u-1', event_properties: { points: 5 } },
  },
});

/** Klaviyo's JSON:API profile with the given attributes. */
export function jsonApiProfile(attributes) {
  return { data: { type: 'profile', id: '01HPROFILE', attributes: { email: 'ada@example.com', ...attributes } } };
}

/** A flat person `{ external_id, properties, … }`. */
export function flatProfile(attributes) {
  return { email: 'ada@example.com', ...attributes };
}

/**
 * PassNinja serial as one path segment: encodeURIComponent plus `!'()*`
 * (everything but RFC 3986 unreserved characters is encoded).
 */
export function encodeSegment(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Resolves to the rejection reason of `promise`; fails if it resolves. */
export async function rejection(promise) {
  let value;
  try {
    value = await promise;
  } catch (err) {
    return err;
  }
  assert.fail(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** Calls `fn`; returns what it threw; fails if it did not throw synchronously. */
export function thrown(fn) {
  let value;
  try {
    value = fn();
  } catch (err) {
    return err;
  }
  assert.fail(`expected a synchronous throw, got ${inspect(value)}`);
}

/** Every textual view of a value someone could log. */
export function views(value) {
  const out = [inspect(value, { depth: 8, showHidden: true })];
  try {
    out.push(JSON.stringify(value));
  } catch {
    /* circular: inspect covers it */
  }
  if (value instanceof Error) {
    out.push(String(value), String(value.message), String(value.stack));
    for (const k of Object.getOwnPropertyNames(value)) out.push(`${k}=${String(value[k])}`);
  }
  return out.join('\n');
}

/** Fails if `secret` (or, with minLength, any piece of it that long) shows in any view of `value`. */
export function assertNoSecret(value, secret, { minLength = secret.length } = {}) {
  const text = views(value);
  for (let i = 0; i + minLength <= secret.length; i++) {
    const piece = secret.slice(i, i + minLength);
    assert.ok(!text.includes(piece), `the secret (or its piece ${JSON.stringify(piece)}) appears in:\n${text}`);
  }
}

/**
 * Checks a PassbridgeError: a real Error with name, code, status, retryable,
 * and (unless noPrefix) the provider prefix; never the API key.
 */
export function assertPassbridgeError(err, { code, status = null, retryable = false, prefix = 'PassNinja error: ', secret }) {
  assert.ok(err instanceof Error, `expected an Error, got ${inspect(err)}`);
  assert.equal(err.name, 'PassbridgeError');
  assert.equal(err.code, code, `code of: ${err.message}`);
  assert.equal(err.status, status, `status of: ${err.message}`);
  assert.equal(err.retryable, retryable, `retryable of: ${err.message}`);
  assert.equal(typeof err.message, 'string');
  if (prefix) assert.ok(err.message.startsWith(prefix), `message should start with ${JSON.stringify(prefix)}: ${err.message}`);
  if (secret) assertNoSecret(err, secret);
}

/** A fetch that records its calls and forwards to globalThis.fetch. */
export function spyFetch() {
  const calls = [];
  const fetch = (url, init) => {
    calls.push({ url, init });
    return globalThis.fetch(url, init);
  };
  return { fetch, calls };
}

/** A fetch that must never be called. */
export function forbiddenFetch() {
  const calls = [];
  const fetch = (url, init) => {
    calls.push({ url, init });
    return Promise.reject(new Error('fetch must not be called'));
  };
  return { fetch, calls };
}

/** The headers a client chose, as received by the server (transport headers removed). */
export function chosenHeaders(record, transport) {
  return Object.fromEntries(Object.entries(record.headers).filter(([k]) => !transport.has(k)));
}

/** Sets process.env entries (undefined deletes); returns a function restoring the previous values. */
export function setEnv(values) {
  const saved = {};
  for (const [k, v] of Object.entries(values)) {
    saved[k] = Object.hasOwn(process.env, k) ? process.env[k] : undefined;
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Every PASSNINJA_* / PASSBRIDGE_* name, set to undefined (for setEnv). */
export function clearedPassbridgeEnv() {
  const out = {};
  for (const k of Object.keys(process.env)) {
    if (k.startsWith('PASSNINJA_') || k.startsWith('PASSBRIDGE_')) out[k] = undefined;
  }
  return out;
}
