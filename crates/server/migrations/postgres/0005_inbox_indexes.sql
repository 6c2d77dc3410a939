-- PostgreSQL's twin of ../0005_inbox_indexes.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- The agents' inbox at 100,000 tickets (0002 made the first indexes; it is applied already,
-- so these come in their own migration). PostgreSQL-compatible like the others.

-- Counts per status under the "unassigned"/"assigned to" filter, and under "overdue"/"due today".
CREATE INDEX tickets_site_assignee_status ON tickets (site, assignee, status);
CREATE INDEX tickets_site_status_respond_by ON tickets (site, status, respond_by);

-- Search by the start of a ticket id, or of an email whatever its case: each alternative of a
-- search is a range on one of these (or on tickets_site_order), read as a multi-index OR.
CREATE INDEX tickets_site_id ON tickets (site, id);
DROP INDEX tickets_site_email;
CREATE INDEX tickets_site_email ON tickets (site, lower(email));
