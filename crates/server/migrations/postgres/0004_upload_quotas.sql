-- PostgreSQL's twin of ../0004_upload_quotas.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- Bounds on uploads no ticket holds yet (src/uploads/quota.rs): who created each, so a client's
-- open uploads can be counted, and indexes for the counts per client and per site. A finished
-- upload's expires_at now also applies: unless a ticket takes it by then, it is deleted.
ALTER TABLE uploads ADD COLUMN client TEXT COLLATE "C";  -- an IPv4 address or an IPv6 /64
CREATE INDEX uploads_open_by_client ON uploads (client, ticket_id);
CREATE INDEX uploads_open_by_site ON uploads (site, ticket_id);
