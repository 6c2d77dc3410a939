-- Agents and their console: accounts per site, database-backed sessions, who did what on a
-- ticket, assignment, saved replies, and a site-wide cursor over timeline events for the
-- agents' live stream. PostgreSQL-compatible like 0001: ids made in Rust, RFC 3339 UTC text
-- timestamps, booleans as 0/1.

CREATE TABLE agents (
    id             TEXT PRIMARY KEY,              -- ag_…, made in Rust
    site           TEXT NOT NULL,
    email          TEXT NOT NULL,                 -- as given
    email_key      TEXT NOT NULL,                 -- lower-cased: unique per site whatever the case
    name           TEXT NOT NULL,                 -- shown on the timeline ("by Wei")
    role           TEXT NOT NULL,                 -- agent | owner
    password_hash  TEXT NOT NULL,                 -- argon2id, PHC string
    disabled_at    TEXT,                          -- set: no sign-in, every session refused at once
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX agents_site_email ON agents (site, email_key);

-- Only the SHA-256 of a session's token is kept: a copy of the database opens no session.
CREATE TABLE agent_sessions (
    token_sha256 TEXT PRIMARY KEY,
    agent_id     TEXT NOT NULL REFERENCES agents (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT                             -- signed out
);
CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);

-- Who acted: the agent of a console session; NULL on an agent's event means the admin key
-- (admin API or CLI).
ALTER TABLE ticket_events ADD COLUMN agent_id TEXT REFERENCES agents (id);

-- A number per event across all tickets, in commit order: the agents' site-wide stream
-- resumes after it (Last-Event-ID). Events made before this migration are numbered by time.
ALTER TABLE ticket_events ADD COLUMN event_no INTEGER;
UPDATE ticket_events SET event_no = (
    SELECT COUNT(*) FROM ticket_events e
    WHERE e.created_at < ticket_events.created_at
       OR (e.created_at = ticket_events.created_at AND e.ticket_id < ticket_events.ticket_id)
       OR (e.created_at = ticket_events.created_at AND e.ticket_id = ticket_events.ticket_id
           AND e.seq <= ticket_events.seq)
);
CREATE UNIQUE INDEX ticket_events_no ON ticket_events (event_no);
-- Insights: first answers and disputes per ticket.
CREATE INDEX ticket_events_kind ON ticket_events (actor, public, ticket_id, created_at);

ALTER TABLE tickets ADD COLUMN assignee TEXT REFERENCES agents (id);
-- The inbox's two orders, and its filters, each within a site.
CREATE INDEX tickets_site_updated ON tickets (site, updated_at, id);
CREATE INDEX tickets_site_respond_by ON tickets (site, respond_by, id);
CREATE INDEX tickets_site_assignee ON tickets (site, assignee, updated_at);
CREATE INDEX tickets_site_email ON tickets (site, email);
CREATE INDEX tickets_site_created ON tickets (site, created_at);

CREATE TABLE saved_replies (
    id          TEXT PRIMARY KEY,                 -- sr_…, made in Rust
    site        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    body_zh     TEXT NOT NULL,
    created_by  TEXT REFERENCES agents (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX saved_replies_site ON saved_replies (site, title);
