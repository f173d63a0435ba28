// The record every fake provider keeps of a request it received (not a test file).

function decodeSegment(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * `{ method, url, path, query, segments, headers, rawHeaders, body, json, receivedAt, answer }`
 * for a request whose whole body (text) has been read.
 */
export function recordRequest(req, body) {
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  let json;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  return {
    method: req.method,
    url: req.url,
    path,
    query: q === -1 ? '' : req.url.slice(q + 1),
    segments: path.split('/').map(decodeSegment),
    headers: { ...req.headers },
    rawHeaders: [...req.rawHeaders],
    body,
    json,
    receivedAt: Date.now(),
    answer: undefined,
  };
}

/** Resolves once `requests` holds at least `n` entries (rejects after `timeoutMs`). */
export function waitForRequests(name, requests, waiters, n, timeoutMs) {
  if (requests.length >= n) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`${name}: ${requests.length} of ${n} requests after ${timeoutMs} ms`));
    }, timeoutMs);
    const check = () => {
      if (requests.length >= n) {
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      }
    };
    waiters.add(check);
  });
}

/** Closes a fake's server and every socket (hung requests included), and its timers. */
export function closeServer(server, sockets, timers) {
  for (const t of timers) clearTimeout(t);
  timers.clear();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
    for (const s of sockets) s.destroy();
  });
}
