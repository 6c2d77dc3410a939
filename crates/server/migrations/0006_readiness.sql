-- One row that GET /readyz writes to prove the database takes writes (a read-only file, a full
-- disk or a lost volume shows here before a shopper's claim fails on it).
CREATE TABLE readiness (
    id         INTEGER PRIMARY KEY,
    checked_at TEXT NOT NULL
);
