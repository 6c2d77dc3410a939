-- Mail to shoppers and the store's own alerts. Written to run on PostgreSQL too: ids made in
-- Rust, timestamps as RFC 3339 UTC text.

-- Each mail is written in the same transaction as the ticket event that causes it, and is
-- delivered from here (src/mail/worker.rs): nothing is lost when the server stops, and the
-- Message-ID, stable per event, lets mail clients drop a copy sent twice after a crash.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    site            TEXT NOT NULL,
    ticket_id       TEXT NOT NULL REFERENCES tickets (id),
    event_seq       INTEGER,                      -- the event it tells of; none for a fresh link
    kind            TEXT NOT NULL,                -- helpcenter_api::MailKind
    recipient       TEXT NOT NULL,
    locale          TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,         -- <HC-7F3K9Q.3.info_request@shop.example>
    state           TEXT NOT NULL,                -- pending | sent | failed
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,                -- taken inside the writing transaction: the order of delivery
    sent_at         TEXT
);
CREATE INDEX mail_outbox_state ON mail_outbox (state, created_at);
CREATE INDEX mail_outbox_ticket ON mail_outbox (ticket_id);

-- The links in the mails: a secret that opens one ticket once, kept only as its hash.
CREATE TABLE ticket_links (
    secret_sha256 TEXT PRIMARY KEY,
    ticket_id     TEXT NOT NULL REFERENCES tickets (id),
    mail_id       TEXT NOT NULL REFERENCES mail_outbox (id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);
CREATE INDEX ticket_links_ticket ON ticket_links (ticket_id);
