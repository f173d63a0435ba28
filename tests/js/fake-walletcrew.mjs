// A fake The Wallet Crew (Neostore) Klaviyo listener API on 127.0.0.1, for
// tests of every passbridge door. Node built-ins only.
//
// It follows docs/providers.md (The Wallet Crew section, from the
// provider's OpenAPI document):
//
//   auth      X-API-KEY must equal the configured key, else 401 problem details
//   POST      /api/{tenantId}/webhooks/listeners/klaviyo/passes/pushUpdate
//             body PushUpdateData (additionalProperties: false):
//               identifiers     required, object of string values, at least one non-empty
//               passType        null | string
//               additionalData  null | object
//               updateMetadata  boolean (default false)
//             200, empty body ("Pass update accepted.")
//   POST      /api/{tenantId}/webhooks/listeners/klaviyo/profiles/sync
//             body Profile (additionalProperties: false): email, phone_number: null | string
//             202 {"correlationId": …} by default ("Return 202 Accepted with correlation ID";
//             the OpenAPI lists 200 — option syncStatus)
//   errors    RFC 7807 problem details, application/problem+json:
//             { type, title, status, detail, instance } and, for validation (400),
//             errors: { field: [messages] }. 401/403 auth, 404 unknown route or tenant,
//             405 wrong method, 415 non-JSON body, 500.
//
// Note on the OpenAPI: `additionalData` is declared with
// `additionalProperties: {"type": "null"}` — an artefact of the generator for a
// free-form dictionary (the description says "Custom data applied to the pass
// payload", the use cases are points, tier, offers). This fake accepts any
// values in additionalData; it does check that it is an object or null.
//
// Usage:
//
//   import { startFakeWalletCrew } from './fake-walletcrew.mjs';
//   const fake = await startFakeWalletCrew();   // random port
//   fake.env()          // WALLETCREW_API_KEY, WALLETCREW_TENANT_ID, WALLETCREW_BASE_URL
//   fake.script(429, 'ok')                      // see provider-helpers.mjs for script steps
//   fake.requests       // every request received (same shape as fake-passninja.mjs)
//   fake.pushes         // accepted pushUpdate bodies; fake.syncs: accepted profile syncs
//   fake.reset(); await fake.stop();
//
// Options: apiKey, tenantId (other tenants are 404), syncStatus (200 | 202, default 202).

import { randomUUID } from 'node:crypto';
import { startFakeProvider } from './provider-helpers.mjs';

export const DEFAULT_API_KEY = 'wc_live_Fake_8c1e5b7a2d4f4e0b9a6c3d2e1f0a9b8c';
export const DEFAULT_TENANT_ID = 'acme-loyalty';
export const PUSH_UPDATE_KEYS = ['identifiers', 'passType', 'additionalData', 'updateMetadata'];
export const PROFILE_KEYS = ['email', 'phone_number'];
export const PROBLEM_TYPE = 'application/problem+json';

const TYPES = {
  400: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
  401: 'https://tools.ietf.org/html/rfc9110#section-15.5.2',
  403: 'https://tools.ietf.org/html/rfc9110#section-15.5.4',
  404: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
  405: 'https://tools.ietf.org/html/rfc9110#section-15.5.6',
  415: 'https://tools.ietf.org/html/rfc9110#section-15.5.16',
  429: 'https://tools.ietf.org/html/rfc6585#section-4',
  500: 'https://tools.ietf.org/html/rfc9110#section-15.6.1',
};

const TITLES = {
  400: 'One or more validation errors occurred.',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'An error occurred while processing your request.',
};

/** An RFC 7807 problem details object. */
export function problem(status, { title, detail, instance, errors, type } = {}) {
  const p = {
    type: type ?? TYPES[status] ?? (status >= 500 ? TYPES[500] : TYPES[400]),
    title: title ?? TITLES[status] ?? (status >= 500 ? TITLES[500] : `HTTP ${status}`),
    status,
  };
  if (detail !== undefined) p.detail = detail;
  p.instance = instance ?? null;
  if (errors !== undefined) p.errors = errors;
  p.traceId = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  return p;
}

const answer = (status, fields) => ({ status, body: problem(status, fields), headers: { 'Content-Type': PROBLEM_TYPE } });

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Validation errors of a pushUpdate body, as { field: [messages] } (empty when valid). */
export function validatePushUpdate(json) {
  const errors = {};
  const add = (field, message) => (errors[field] ??= []).push(message);
  if (!isPlainObject(json)) {
    add('$', 'The request body must be a JSON object.');
    return errors;
  }
  for (const key of Object.keys(json)) {
    if (!PUSH_UPDATE_KEYS.includes(key)) add(key, `The property '${key}' is not allowed.`);
  }
  const ids = json.identifiers;
  if (ids === undefined || ids === null) {
    add('identifiers', 'The identifiers field is required.');
  } else if (!isPlainObject(ids)) {
    add('identifiers', 'The identifiers field must be an object.');
  } else {
    for (const [k, v] of Object.entries(ids)) {
      if (typeof v !== 'string') add(`identifiers.${k}`, `The identifier '${k}' must be a string.`);
    }
    if (!Object.values(ids).some((v) => typeof v === 'string' && v.trim() !== '')) {
      add('identifiers', 'At least one identifier is required.');
    }
  }
  if (Object.hasOwn(json, 'passType') && json.passType !== null && typeof json.passType !== 'string') {
    add('passType', 'The passType field must be a string or null.');
  }
  if (Object.hasOwn(json, 'additionalData') && json.additionalData !== null && !isPlainObject(json.additionalData)) {
    add('additionalData', 'The additionalData field must be an object or null.');
  }
  if (Object.hasOwn(json, 'updateMetadata') && typeof json.updateMetadata !== 'boolean') {
    add('updateMetadata', 'The updateMetadata field must be a boolean.');
  }
  return errors;
}

/** Validation errors of a profile sync body. */
export function validateProfile(json) {
  const errors = {};
  const add = (field, message) => (errors[field] ??= []).push(message);
  if (!isPlainObject(json)) {
    add('$', 'The request body must be a JSON object.');
    return errors;
  }
  for (const key of Object.keys(json)) {
    if (!PROFILE_KEYS.includes(key)) add(key, `The property '${key}' is not allowed.`);
  }
  for (const key of PROFILE_KEYS) {
    if (Object.hasOwn(json, key) && json[key] !== null && typeof json[key] !== 'string') {
      add(key, `The ${key} field must be a string or null.`);
    }
  }
  return errors;
}

const ROUTES = {
  'passes/pushUpdate': 'pushUpdate',
  'profiles/sync': 'profileSync',
};

export async function startFakeWalletCrew(options = {}) {
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const syncStatus = options.syncStatus ?? 202;

  return startFakeProvider({
    name: 'fake-walletcrew',
    keyHeader: 'x-api-key',
    // Problem details go out as application/problem+json, other JSON as application/json.
    jsonContentType: (body) => (isPlainObject(body) && 'title' in body && 'status' in body ? PROBLEM_TYPE : 'application/json'),
    usualHeaders: (status) => (status >= 200 && status < 300 ? {} : { 'Content-Type': PROBLEM_TYPE }),
    usualBody(status, rec, key) {
      const instance = rec.path;
      switch (status) {
        case 400:
          return problem(400, {
            instance,
            errors: key
              ? { apiKey: [`The API key '${key}' is not valid for this tenant.`] }
              : { identifiers: ['At least one identifier is required.'] },
          });
        case 401:
          return problem(401, { detail: 'The API key is missing or invalid.', instance });
        case 403:
          return problem(403, { detail: 'The API key lacks the KlaviyoListener.Write scope.', instance });
        case 404:
          return problem(404, { detail: 'No pass matches the given identifiers.', instance });
        case 429:
          return problem(429, { detail: 'Rate limit exceeded, retry later.', instance });
        default:
          if (status >= 200 && status < 300) return '';
          return problem(status, { instance });
      }
    },
    route(rec, fake) {
      const s = rec.segments;
      const instance = rec.path;
      // ['', 'api', tenant, 'webhooks', 'listeners', 'klaviyo', a, b]
      const known =
        s.length === 8 && s[0] === '' && s[1] === 'api' && s[3] === 'webhooks' && s[4] === 'listeners' && s[5] === 'klaviyo';
      const operation = known ? ROUTES[`${s[6]}/${s[7]}`] : undefined;
      if (!operation || s.includes(null) || rec.query !== '') return answer(404, { detail: 'No such route.', instance });
      if (rec.method !== 'POST') return { ...answer(405, { instance }), headers: { 'Content-Type': PROBLEM_TYPE, Allow: 'POST' } };
      if (rec.headers['x-api-key'] !== apiKey) return answer(401, { detail: 'The API key is missing or invalid.', instance });
      if (s[2] !== tenantId) return answer(404, { title: 'Not Found', detail: `Tenant '${s[2]}' not found.`, instance });
      const type = String(rec.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (!(type === 'application/json' || type === 'text/json' || (type.startsWith('application/') && type.endsWith('+json')))) {
        return answer(415, { detail: 'The request body must be JSON (application/json).', instance });
      }
      if (rec.json === undefined) {
        return answer(400, { instance, errors: { $: ['The request body is not valid JSON.'] } });
      }
      if (operation === 'pushUpdate') {
        const errors = validatePushUpdate(rec.json);
        if (Object.keys(errors).length > 0) return answer(400, { instance, errors });
        fake.pushes.push(rec.json);
        return { status: 200 };
      }
      const errors = validateProfile(rec.json);
      if (Object.keys(errors).length > 0) return answer(400, { instance, errors });
      fake.syncs.push(rec.json);
      return syncStatus === 202 ? { status: 202, body: { correlationId: randomUUID() } } : { status: syncStatus };
    },
    onReset(fake) {
      fake.pushes.length = 0;
      fake.syncs.length = 0;
    },
    extend: (fake) => ({
      apiKey,
      tenantId,
      /** Accepted pushUpdate bodies, in order. */
      pushes: [],
      /** Accepted profile sync bodies, in order. */
      syncs: [],
      /** The WALLETCREW_* variables that point passbridge at this fake, plus `extra`. */
      env(extra = {}) {
        return { WALLETCREW_API_KEY: apiKey, WALLETCREW_TENANT_ID: tenantId, WALLETCREW_BASE_URL: fake.url, ...extra };
      },
      pushUpdatePath(tenantSegment = tenantId) {
        return `/api/${tenantSegment}/webhooks/listeners/klaviyo/passes/pushUpdate`;
      },
      profileSyncPath(tenantSegment = tenantId) {
        return `/api/${tenantSegment}/webhooks/listeners/klaviyo/profiles/sync`;
      },
    }),
  });
}
