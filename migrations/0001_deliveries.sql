-- passbridge delivery ledger (Cloudflare D1). One row per webhook delivery of
-- a recorded route; see README "Delivery ledger". No header value, and so no
-- credential, is ever stored: `request_*` is what was sent without its
-- headers, `input` the webhook body (for a review resend).
CREATE TABLE deliveries (
  id              TEXT PRIMARY KEY,   -- public delivery id: 32 hex of SHA-256(route + "\n" + key)
  route           TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'ambiguous', 'dropped')),
  created_at      INTEGER NOT NULL,   -- ms since the epoch
  updated_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  upstream_status INTEGER,
  code            TEXT,
  outcome         TEXT,
  answer_status   INTEGER,            -- the answer replayed to a redelivery
  answer_body     TEXT,
  request_method  TEXT NOT NULL,
  request_url     TEXT NOT NULL,
  request_body    TEXT,
  input           TEXT NOT NULL
) STRICT;

-- Newest first, optionally by state (review list) and by age (retention).
CREATE INDEX deliveries_by_created ON deliveries (created_at DESC, id DESC);
CREATE INDEX deliveries_by_state ON deliveries (state, created_at DESC, id DESC);
