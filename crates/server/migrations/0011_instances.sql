-- Several server instances on one database (issue 18; src/outbox.rs, src/background.rs).
-- A mail or webhook delivery taken by one instance's worker: no other instance tries it
-- before this time (the lease ends on its own when the instance dies mid-delivery).
ALTER TABLE mail_outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE webhook_outbox ADD COLUMN claimed_until TEXT;
-- Periodic passes (retention, upload expiry): the instance holding a pass's lease runs it,
-- the others skip it until the lease ends.
CREATE TABLE background_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    held_until TEXT NOT NULL
);
-- The server secret every instance derives replayed access tokens and mail links from, on
-- PostgreSQL (src/auth.rs); SQLite keeps it in the data directory's `server-secret` file.
CREATE TABLE server_secret (
    id         INTEGER PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
