-- PostgreSQL's twin of ../0001_tickets_and_uploads.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- Written to run on PostgreSQL too: no SQLite-only functions, ids made in Rust, timestamps as
-- RFC 3339 UTC text, booleans as integers 0/1.

CREATE TABLE tickets (
    id                  TEXT COLLATE "C" PRIMARY KEY,         -- HC-7F3K9Q, shown to shoppers
    site                TEXT COLLATE "C" NOT NULL,
    status              TEXT COLLATE "C" NOT NULL,            -- helpcenter_core::TicketStatus
    resolution          TEXT COLLATE "C",                     -- helpcenter_core::ResolutionKind
    category            TEXT COLLATE "C" NOT NULL,
    answers             TEXT COLLATE "C" NOT NULL,            -- JSON array of answer ids
    outcome             TEXT COLLATE "C" NOT NULL,
    order_number        TEXT COLLATE "C" NOT NULL,            -- normalised
    email               TEXT COLLATE "C" NOT NULL,            -- as given; compared case-insensitively in Rust
    description         TEXT COLLATE "C" NOT NULL,
    delivered_on        TEXT COLLATE "C",                     -- YYYY-MM-DD
    locale              TEXT COLLATE "C" NOT NULL,
    customer_id         TEXT COLLATE "C",                     -- from a merchant-signed identity token
    created_at          TEXT COLLATE "C" NOT NULL,
    updated_at          TEXT COLLATE "C" NOT NULL,
    respond_by          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX tickets_site_status ON tickets (site, status, updated_at);
CREATE INDEX tickets_site_customer ON tickets (site, customer_id);
CREATE INDEX tickets_site_order ON tickets (site, order_number);

-- Shopper access: only hashes of tokens are kept. A ticket gains a token at creation and one
-- more at each recovery by ticket id + order number + email.
CREATE TABLE ticket_access (
    token_sha256 TEXT COLLATE "C" PRIMARY KEY,
    ticket_id    TEXT COLLATE "C" NOT NULL REFERENCES tickets (id),
    created_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX ticket_access_ticket ON ticket_access (ticket_id);

-- The timeline: every change is an event, numbered per ticket (the SSE event id).
CREATE TABLE ticket_events (
    ticket_id   TEXT COLLATE "C" NOT NULL REFERENCES tickets (id),
    seq         BIGINT NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,                    -- shopper | agent | system
    status      TEXT COLLATE "C",                             -- the status after this event
    resolution  TEXT COLLATE "C",
    body        TEXT COLLATE "C",
    public      BIGINT NOT NULL,                 -- 0: internal note, never shown to the shopper
    created_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

-- A retried create with the same key returns the same ticket.
CREATE TABLE idempotency_keys (
    site           TEXT COLLATE "C" NOT NULL,
    key            TEXT COLLATE "C" NOT NULL,
    request_sha256 TEXT COLLATE "C" NOT NULL,
    ticket_id      TEXT COLLATE "C" NOT NULL REFERENCES tickets (id),
    created_at     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (site, key)
);

-- tus uploads of evidence, complete or not. Bytes live in the object store, not here.
CREATE TABLE uploads (
    id               TEXT COLLATE "C" PRIMARY KEY,            -- unguessable: the upload URL is its capability
    site             TEXT COLLATE "C" NOT NULL,
    outcome          TEXT COLLATE "C",                        -- the outcome it is meant for, when the widget knew it
    length           BIGINT NOT NULL,            -- Upload-Length
    received         BIGINT NOT NULL,            -- Upload-Offset: bytes durably written
    filename         TEXT COLLATE "C" NOT NULL,
    media_type       TEXT COLLATE "C",                        -- sniffed from the bytes: helpcenter_core::MediaType
    width            BIGINT,
    height           BIGINT,
    duration_seconds DOUBLE PRECISION,
    content_sha256   TEXT COLLATE "C",
    captured_on      TEXT COLLATE "C",                        -- EXIF capture day, YYYY-MM-DD
    ticket_id        TEXT COLLATE "C" REFERENCES tickets (id),
    event_seq        BIGINT,                     -- the timeline event it came with
    created_at       TEXT COLLATE "C" NOT NULL,
    expires_at       TEXT COLLATE "C" NOT NULL,               -- unfinished uploads are deleted after this
    completed_at     TEXT COLLATE "C"
);
CREATE INDEX uploads_expiry ON uploads (completed_at, expires_at);
CREATE INDEX uploads_ticket ON uploads (ticket_id);
