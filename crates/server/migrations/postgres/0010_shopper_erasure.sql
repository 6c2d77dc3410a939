-- PostgreSQL's twin of ../0010_shopper_erasure.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- When a ticket's personal data and evidence were erased (by the site's retention_days after
-- it closed, or by `admin shopper erase`): the ticket number, site, category, outcome, status
-- and dates stay for the store's books; NULL while nothing was erased.
ALTER TABLE tickets ADD COLUMN erased_at TEXT COLLATE "C";
