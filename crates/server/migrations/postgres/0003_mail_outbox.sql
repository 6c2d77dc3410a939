-- PostgreSQL's twin of ../0003_mail_outbox.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- Mail to shoppers and the store's own alerts. Written to run on PostgreSQL too: ids made in
-- Rust, timestamps as RFC 3339 UTC text.

-- Each mail is written in the same transaction as the ticket event that causes it, and is
-- delivered from here (src/mail/worker.rs): nothing is lost when the server stops, and the
-- Message-ID, stable per event, lets mail clients drop a copy sent twice after a crash.
CREATE TABLE mail_outbox (
    id              TEXT COLLATE "C" PRIMARY KEY,
    site            TEXT COLLATE "C" NOT NULL,
    ticket_id       TEXT COLLATE "C" NOT NULL REFERENCES tickets (id),
    event_seq       BIGINT,                      -- the event it tells of; none for a fresh link
    kind            TEXT COLLATE "C" NOT NULL,                -- helpcenter_api::MailKind
    recipient       TEXT COLLATE "C" NOT NULL,
    locale          TEXT COLLATE "C" NOT NULL,
    message_id      TEXT COLLATE "C" NOT NULL UNIQUE,         -- <HC-7F3K9Q.3.info_request@shop.example>
    state           TEXT COLLATE "C" NOT NULL,                -- pending | sent | failed
    attempts        BIGINT NOT NULL,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    last_error      TEXT COLLATE "C",
    created_at      TEXT COLLATE "C" NOT NULL,                -- taken inside the writing transaction: the order of delivery
    sent_at         TEXT COLLATE "C"
);
CREATE INDEX mail_outbox_state ON mail_outbox (state, created_at);
CREATE INDEX mail_outbox_ticket ON mail_outbox (ticket_id);

-- The links in the mails: a secret that opens one ticket once, kept only as its hash.
CREATE TABLE ticket_links (
    secret_sha256 TEXT COLLATE "C" PRIMARY KEY,
    ticket_id     TEXT COLLATE "C" NOT NULL REFERENCES tickets (id),
    mail_id       TEXT COLLATE "C" NOT NULL REFERENCES mail_outbox (id),
    created_at    TEXT COLLATE "C" NOT NULL,
    expires_at    TEXT COLLATE "C" NOT NULL,
    used_at       TEXT COLLATE "C"
);
CREATE INDEX ticket_links_ticket ON ticket_links (ticket_id);
