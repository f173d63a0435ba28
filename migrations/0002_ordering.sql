-- passbridge delivery ledger, ordering (issue 15): the newest delivery for a
-- pass wins. See docs/ledger.md "Ordering".
--
-- deliveries gains two states and one column. SQLite cannot alter a CHECK
-- constraint, so the table is rebuilt, keeping every row:
--   superseded  a delivery older than the one applied last for its pass, never sent
--   released    an attempt of an ordered route proved nothing was applied, the
--               row stays to remember when the delivery was first seen
--   pass_key    32 hex of SHA-256(provider + newline + the pass identity the
--               request names), for the routes that set a pass to a state
CREATE TABLE deliveries_0002 (
  id              TEXT PRIMARY KEY,
  route           TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'ambiguous', 'dropped', 'superseded', 'released')),
  created_at      INTEGER NOT NULL,   -- ms since the epoch: when the ledger first saw the delivery
  updated_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  upstream_status INTEGER,
  code            TEXT,
  outcome         TEXT,
  answer_status   INTEGER,
  answer_body     TEXT,
  request_method  TEXT NOT NULL,
  request_url     TEXT NOT NULL,
  request_body    TEXT,
  input           TEXT NOT NULL,
  pass_key        TEXT
) STRICT;

INSERT INTO deliveries_0002 (id, route, state, created_at, updated_at, attempts, upstream_status, code, outcome, answer_status, answer_body, request_method, request_url, request_body, input)
  SELECT id, route, state, created_at, updated_at, attempts, upstream_status, code, outcome, answer_status, answer_body, request_method, request_url, request_body, input FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_0002 RENAME TO deliveries;

CREATE INDEX deliveries_by_created ON deliveries (created_at DESC, id DESC);
CREATE INDEX deliveries_by_state ON deliveries (state, created_at DESC, id DESC);
-- The claim looks for another delivery of the same pass in flight.
CREATE INDEX deliveries_by_pass ON deliveries (pass_key, state) WHERE pass_key IS NOT NULL;

-- Per pass: the delivery applied last and when it was first seen. A claim
-- whose delivery was first seen earlier (ties: the larger delivery id is
-- newer) is superseded; a finish moves the mark only forward.
CREATE TABLE passes (
  pass_key     TEXT PRIMARY KEY,
  delivery_id  TEXT NOT NULL,
  first_seen   INTEGER NOT NULL,      -- created_at of that delivery
  updated_at   INTEGER NOT NULL       -- when the mark moved (retention)
) STRICT;
