-- What the store's order system said about a ticket's order at filing (sites with
-- [sites.order_lookup] only), kept apart from what the shopper stated: the agent weighs the two
-- differently. One row per ticket; none on sites that do not look orders up.
CREATE TABLE ticket_orders (
    ticket_id           TEXT PRIMARY KEY REFERENCES tickets (id),
    verification        TEXT NOT NULL,            -- verified | unverified
    unverified_reason   TEXT,                     -- why the store could not vouch, in words
    delivered_on_source TEXT NOT NULL,            -- store | shopper: whose is tickets.delivered_on
    store_order         TEXT,                     -- JSON: the order as the store described it
    items               TEXT NOT NULL,            -- JSON array: the items claimed, {id, quantity}
    checked_at          TEXT NOT NULL             -- RFC 3339 UTC
);
