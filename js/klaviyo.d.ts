// Types of the passbridge JS doors (js/klaviyo.mjs, js/klaviyo-workerd.mjs and
// the single file dist/klaviyo-code-action.mjs export the same API).

export type Provider = "passninja" | "walletcrew" | "jericommerce";

export type Operation =
  | "update" | "create" | "delete"      // passninja
  | "pushUpdate" | "profileSync"        // walletcrew
  | "balance";                          // jericommerce

export interface HandlerOptions {
  provider?: Provider;
  operation?: Operation;
  /** Pass field → Klaviyo template (PassNinja `pass`, Wallet Crew `additionalData`). */
  fields?: Record<string, string>;
  /** Wallet Crew identifier → template (default email, phone, customerId). */
  identifiers?: Record<string, string>;
  passType?: string;
  updateMetadata?: boolean;
  /** JeriCommerce signed change, a template such as `{{ event.points }}` (or a number). */
  delta?: string | number;
  /** JeriCommerce reason, a template. */
  reason?: string | number;
  /** PassNinja create: skip profiles that already have `external_id` (default true). */
  skipIfPassExists?: boolean;
  /** Where variables are read (default `process.env`). */
  env?: Record<string, string | number | boolean | undefined>;
  /** Default `globalThis.fetch`. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Return the request instead of sending it (the key shown as `***`). */
  dryRun?: boolean;
  /** Total time for a run, retries included, 1..60000 ms (default 8000). */
  budgetMs?: number;
}

/** A flat result, usable as Klaviyo action outputs. */
export type Result =
  | { skipped: true; reason: string }
  | { updated: true; status: number }
  | { updated: true; direction: "increase" | "decrease"; amount: number; status: number }
  | { created: true; serial: string; url: string; status: number }
  | { deleted: true; status: number }
  | { synced: true; status: number }
  | { dryRun: true; request: { method: string; url: string; headers: Record<string, string>; body: string | null } };

export type ErrorCode =
  | "not_found" | "unauthorized" | "rejected" | "throttled" | "upstream_unavailable" | "network"
  | "missing_config" | "invalid_config" | "invalid_template" | "invalid_profile"
  | "write_back_rejected";

/** What every rejection (and creation-time throw) is. */
export interface PassbridgeError extends Error {
  name: "PassbridgeError";
  code: ErrorCode;
  /** The provider's HTTP status, or null. */
  status: number | null;
  /** True only when trying again later can succeed (429, 5xx, network). */
  retryable: boolean;
  retryAfterMs?: number;
  attempts?: number;
}

export type Handler = (event: unknown, profile: unknown, context?: unknown) => Promise<Result>;

export function createHandler(options?: HandlerOptions): Handler;
export const handler: Handler;
export default handler;
