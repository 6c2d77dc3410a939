-- PostgreSQL's twin of ../0013_ticket_orders.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- What the store's order system said about a ticket's order at filing (sites with
-- [sites.order_lookup] only), kept apart from what the shopper stated: the agent weighs the two
-- differently. One row per ticket; none on sites that do not look orders up.
CREATE TABLE ticket_orders (
    ticket_id           TEXT COLLATE "C" PRIMARY KEY REFERENCES tickets (id),
    verification        TEXT COLLATE "C" NOT NULL,            -- verified | unverified
    unverified_reason   TEXT COLLATE "C",                     -- why the store could not vouch, in words
    delivered_on_source TEXT COLLATE "C" NOT NULL,            -- store | shopper: whose is tickets.delivered_on
    store_order         TEXT COLLATE "C",                     -- JSON: the order as the store described it
    items               TEXT COLLATE "C" NOT NULL,            -- JSON array: the items claimed, {id, quantity}
    checked_at          TEXT COLLATE "C" NOT NULL             -- RFC 3339 UTC
);

-- The store's recent answers, so the widget's lookup and the filing a minute later ask the
-- store once, whichever server instance takes each. Reused for the site's cache_seconds,
-- deleted after an hour, and by `admin shopper erase` (found by the email's hash).
CREATE TABLE order_lookups (
    site          TEXT COLLATE "C" NOT NULL,
    order_number  TEXT COLLATE "C" NOT NULL,                  -- as the site's policy normalises it
    email_sha256  TEXT COLLATE "C" NOT NULL,                  -- hex SHA-256 of the email, trimmed, lower case
    answer        TEXT COLLATE "C",                           -- JSON: the store's order; NULL for not found
    asked_at      TEXT COLLATE "C" NOT NULL,                  -- RFC 3339 UTC
    PRIMARY KEY (site, order_number, email_sha256)
);
CREATE INDEX order_lookups_asked_at ON order_lookups (asked_at);
