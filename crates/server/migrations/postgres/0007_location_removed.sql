-- PostgreSQL's twin of ../0007_location_removed.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- Whether the server removed a photo's location (its EXIF GPS directory) before keeping it:
-- the agents' console says so beside the file. 0 for files kept before this was done.
ALTER TABLE uploads ADD COLUMN location_removed BIGINT NOT NULL DEFAULT 0;
