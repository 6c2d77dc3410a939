-- Webhooks to the stores' own systems. Written to run on PostgreSQL too: ids made in Rust,
-- timestamps as RFC 3339 UTC text.

-- Each endpoint's signing secrets (`whsec_…`), kept in clear because each delivery is signed
-- with them (the data directory's other secrets are kept the same way). Made by
-- `admin webhooks rotate-secret` or its admin API: the new secret has no retires_at, the ones in
-- use get one (the overlap), and until then deliveries carry a signature for each.
CREATE TABLE webhook_secrets (
    site        TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retires_at  TEXT,
    PRIMARY KEY (site, endpoint, secret)
);

-- One row per event per endpoint, written in the same transaction as the ticket event and
-- delivered from here (src/webhooks/worker.rs), like mail_outbox: nothing is lost when the
-- server stops, and the id, the `webhook-id` header, lets a receiver drop a copy sent twice.
CREATE TABLE webhook_outbox (
    id              TEXT PRIMARY KEY,             -- msg_…
    site            TEXT NOT NULL,
    endpoint        TEXT NOT NULL,                -- [[sites.webhooks]] name
    ticket_id       TEXT NOT NULL REFERENCES tickets (id),
    event_seq       INTEGER NOT NULL,
    event_type      TEXT NOT NULL,                -- helpcenter_api::WebhookEventType
    body            TEXT NOT NULL,                -- the payload, byte for byte as signed
    state           TEXT NOT NULL,                -- pending | delivered | failed
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    last_status     INTEGER,
    created_at      TEXT NOT NULL,                -- taken inside the writing transaction: the order of delivery
    retry_since     TEXT NOT NULL,                -- the 24 hours of retries count from here (written, or sent again by hand)
    delivered_at    TEXT
);
CREATE INDEX webhook_outbox_state ON webhook_outbox (state, created_at);
CREATE INDEX webhook_outbox_queue ON webhook_outbox (ticket_id, endpoint, state);
CREATE INDEX webhook_outbox_site ON webhook_outbox (site, created_at);

-- The delivery log: every attempt and what the endpoint answered.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_outbox (id),
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL,
    response    TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
