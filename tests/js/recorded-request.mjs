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
