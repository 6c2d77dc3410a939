-- Admin API keys made by `admin keys rotate`, beside each site's admin_key_sha256 in the config.
-- Only hashes are kept. A key is accepted while retires_at is NULL or later than now: rotating
-- gives the keys in use a retires_at (the rollover window) and adds the new key without one.
-- A config key that has been rotated out has a row here too, so it stops working even while the
-- config still names it.
CREATE TABLE admin_keys (
    site        TEXT NOT NULL,
    key_sha256  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retires_at  TEXT,
    PRIMARY KEY (site, key_sha256)
);
CREATE INDEX admin_keys_by_hash ON admin_keys (key_sha256);
