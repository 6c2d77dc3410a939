-- Written to run on PostgreSQL too: no SQLite-only functions, ids made in Rust, timestamps as
-- RFC 3339 UTC text, booleans as integers 0/1.

CREATE TABLE tickets (
    id                  TEXT PRIMARY KEY,         -- HC-7F3K9Q, shown to shoppers
    site                TEXT NOT NULL,
    status              TEXT NOT NULL,            -- helpcenter_core::TicketStatus
    resolution          TEXT,                     -- helpcenter_core::ResolutionKind
    category            TEXT NOT NULL,
    answers             TEXT NOT NULL,            -- JSON array of answer ids
    outcome             TEXT NOT NULL,
    order_number        TEXT NOT NULL,            -- normalised
    email               TEXT NOT NULL,            -- as given; compared case-insensitively in Rust
    description         TEXT NOT NULL,
    delivered_on        TEXT,                     -- YYYY-MM-DD
    locale              TEXT NOT NULL,
    customer_id         TEXT,                     -- from a merchant-signed identity token
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    respond_by          TEXT NOT NULL
);
CREATE INDEX tickets_site_status ON tickets (site, status, updated_at);
CREATE INDEX tickets_site_customer ON tickets (site, customer_id);
CREATE INDEX tickets_site_order ON tickets (site, order_number);

-- Shopper access: only hashes of tokens are kept. A ticket gains a token at creation and one
-- more at each recovery by ticket id + order number + email.
CREATE TABLE ticket_access (
    token_sha256 TEXT PRIMARY KEY,
    ticket_id    TEXT NOT NULL REFERENCES tickets (id),
    created_at   TEXT NOT NULL
);
CREATE INDEX ticket_access_ticket ON ticket_access (ticket_id);

-- The timeline: every change is an event, numbered per ticket (the SSE event id).
CREATE TABLE ticket_events (
    ticket_id   TEXT NOT NULL REFERENCES tickets (id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL,                    -- shopper | agent | system
    status      TEXT,                             -- the status after this event
    resolution  TEXT,
    body        TEXT,
    public      INTEGER NOT NULL,                 -- 0: internal note, never shown to the shopper
    created_at  TEXT NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

-- A retried create with the same key returns the same ticket.
CREATE TABLE idempotency_keys (
    site           TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    ticket_id      TEXT NOT NULL REFERENCES tickets (id),
    created_at     TEXT NOT NULL,
    PRIMARY KEY (site, key)
);

-- tus uploads of evidence, complete or not. Bytes live in the object store, not here.
CREATE TABLE uploads (
    id               TEXT PRIMARY KEY,            -- unguessable: the upload URL is its capability
    site             TEXT NOT NULL,
    outcome          TEXT,                        -- the outcome it is meant for, when the widget knew it
    length           INTEGER NOT NULL,            -- Upload-Length
    received         INTEGER NOT NULL,            -- Upload-Offset: bytes durably written
    filename         TEXT NOT NULL,
    media_type       TEXT,                        -- sniffed from the bytes: helpcenter_core::MediaType
    width            INTEGER,
    height           INTEGER,
    duration_seconds DOUBLE PRECISION,
    content_sha256   TEXT,
    captured_on      TEXT,                        -- EXIF capture day, YYYY-MM-DD
    ticket_id        TEXT REFERENCES tickets (id),
    event_seq        INTEGER,                     -- the timeline event it came with
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,               -- unfinished uploads are deleted after this
    completed_at     TEXT
);
CREATE INDEX uploads_expiry ON uploads (completed_at, expires_at);
CREATE INDEX uploads_ticket ON uploads (ticket_id);
