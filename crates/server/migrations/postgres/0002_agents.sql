-- PostgreSQL's twin of ../0002_agents.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- Agents and their console: accounts per site, database-backed sessions, who did what on a
-- ticket, assignment, saved replies, and a site-wide cursor over timeline events for the
-- agents' live stream. PostgreSQL-compatible like 0001: ids made in Rust, RFC 3339 UTC text
-- timestamps, booleans as 0/1.

CREATE TABLE agents (
    id             TEXT COLLATE "C" PRIMARY KEY,              -- ag_…, made in Rust
    site           TEXT COLLATE "C" NOT NULL,
    email          TEXT COLLATE "C" NOT NULL,                 -- as given
    email_key      TEXT COLLATE "C" NOT NULL,                 -- lower-cased: unique per site whatever the case
    name           TEXT COLLATE "C" NOT NULL,                 -- shown on the timeline ("by Wei")
    role           TEXT COLLATE "C" NOT NULL,                 -- agent | owner
    password_hash  TEXT COLLATE "C" NOT NULL,                 -- argon2id, PHC string
    disabled_at    TEXT COLLATE "C",                          -- set: no sign-in, every session refused at once
    created_at     TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX agents_site_email ON agents (site, email_key);

-- Only the SHA-256 of a session's token is kept: a copy of the database opens no session.
CREATE TABLE agent_sessions (
    token_sha256 TEXT COLLATE "C" PRIMARY KEY,
    agent_id     TEXT COLLATE "C" NOT NULL REFERENCES agents (id),
    created_at   TEXT COLLATE "C" NOT NULL,
    expires_at   TEXT COLLATE "C" NOT NULL,
    revoked_at   TEXT COLLATE "C"                             -- signed out
);
CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);

-- Who acted: the agent of a console session; NULL on an agent's event means the admin key
-- (admin API or CLI).
ALTER TABLE ticket_events ADD COLUMN agent_id TEXT COLLATE "C" REFERENCES agents (id);

-- A number per event across all tickets, in commit order: the agents' site-wide stream
-- resumes after it (Last-Event-ID). Events made before this migration are numbered by time.
ALTER TABLE ticket_events ADD COLUMN event_no BIGINT;
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

ALTER TABLE tickets ADD COLUMN assignee TEXT COLLATE "C" REFERENCES agents (id);
-- The inbox's two orders, and its filters, each within a site.
CREATE INDEX tickets_site_updated ON tickets (site, updated_at, id);
CREATE INDEX tickets_site_respond_by ON tickets (site, respond_by, id);
CREATE INDEX tickets_site_assignee ON tickets (site, assignee, updated_at);
CREATE INDEX tickets_site_email ON tickets (site, email);
CREATE INDEX tickets_site_created ON tickets (site, created_at);

CREATE TABLE saved_replies (
    id          TEXT COLLATE "C" PRIMARY KEY,                 -- sr_…, made in Rust
    site        TEXT COLLATE "C" NOT NULL,
    title       TEXT COLLATE "C" NOT NULL,
    body_en     TEXT COLLATE "C" NOT NULL,
    body_zh     TEXT COLLATE "C" NOT NULL,
    created_by  TEXT COLLATE "C" REFERENCES agents (id),
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX saved_replies_site ON saved_replies (site, title);
