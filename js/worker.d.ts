// Types of the Worker entry (`passbridge/worker`, js/worker.mjs): a module
// Worker. Re-export it as your Worker's default export, or call its fetch.

export interface PassbridgeWorker {
  /** Answers a Klaviyo Webhook request; `env` holds the Worker's vars and secrets. */
  fetch(request: Request, env: object): Promise<Response>;
}

declare const worker: PassbridgeWorker;
export default worker;
