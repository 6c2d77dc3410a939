-- PostgreSQL's twin of ../0008_admin_keys.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- Admin API keys made by `admin keys rotate`, beside each site's admin_key_sha256 in the config.
-- Only hashes are kept. A key is accepted while retires_at is NULL or later than now: rotating
-- gives the keys in use a retires_at (the rollover window) and adds the new key without one.
-- A config key that has been rotated out has a row here too, so it stops working even while the
-- config still names it.
CREATE TABLE admin_keys (
    site        TEXT COLLATE "C" NOT NULL,
    key_sha256  TEXT COLLATE "C" NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    retires_at  TEXT COLLATE "C",
    PRIMARY KEY (site, key_sha256)
);
CREATE INDEX admin_keys_by_hash ON admin_keys (key_sha256);
