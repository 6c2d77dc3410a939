-- PostgreSQL's twin of ../0011_instances.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- Several server instances on one database (issue 18; src/outbox.rs, src/background.rs).
-- A mail or webhook delivery taken by one instance's worker: no other instance tries it
-- before this time (the lease ends on its own when the instance dies mid-delivery).
ALTER TABLE mail_outbox ADD COLUMN claimed_until TEXT COLLATE "C";
ALTER TABLE webhook_outbox ADD COLUMN claimed_until TEXT COLLATE "C";
-- Periodic passes (retention, upload expiry): the instance holding a pass's lease runs it,
-- the others skip it until the lease ends.
CREATE TABLE background_leases (
    name       TEXT COLLATE "C" PRIMARY KEY,
    holder     TEXT COLLATE "C" NOT NULL,
    held_until TEXT COLLATE "C" NOT NULL
);
-- The server secret every instance derives replayed access tokens and mail links from, on
-- PostgreSQL (src/auth.rs); SQLite keeps it in the data directory's `server-secret` file.
CREATE TABLE server_secret (
    id         BIGINT PRIMARY KEY,
    secret     TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
