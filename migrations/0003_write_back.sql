-- passbridge delivery ledger: the write-back to Klaviyo (docs/write-back.md).
-- A delivery whose operation's result goes onto the Klaviyo profile keeps the
-- two effects apart: `state` is the operation's (a create stays `done` once
-- PassNinja created the pass), `write_back` the profile write's, and `result`
-- the operation's result, so a resend replays the create and retries only
-- the write-back. No key, e-mail or phone number is stored in these columns.
ALTER TABLE deliveries ADD COLUMN write_back TEXT CHECK (write_back IS NULL OR write_back IN ('pending', 'done', 'skipped', 'rejected'));
ALTER TABLE deliveries ADD COLUMN result TEXT;   -- the operation's result (JSON), e.g. {"created":true,"serial":…,"url":…}
