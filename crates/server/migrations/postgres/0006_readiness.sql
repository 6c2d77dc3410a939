-- PostgreSQL's twin of ../0006_readiness.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- One row that GET /readyz writes to prove the database takes writes (a read-only file, a full
-- disk or a lost volume shows here before a shopper's claim fails on it).
CREATE TABLE readiness (
    id         BIGINT PRIMARY KEY,
    checked_at TEXT COLLATE "C" NOT NULL
);
