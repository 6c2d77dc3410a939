-- PostgreSQL's twin of ../0012_upload_parts_and_leases.sql (src/store/mod.rs): text collates as bytes, as in SQLite,
-- and integers are 64-bit, as SQLite's are.
-- Uploads in progress shared by every server instance (src/uploads/lease.rs, blobs.rs): the
-- request working on an upload holds a lease on it that lapses at lease_until (so an instance
-- killed mid-PATCH lets go by itself), and each upload's bytes so far are parts, each an object
-- in the evidence store, recorded here in the same transaction that moves the offset.
ALTER TABLE uploads ADD COLUMN lease_holder TEXT COLLATE "C";
ALTER TABLE uploads ADD COLUMN lease_until TEXT COLLATE "C";
CREATE TABLE upload_parts (
    upload_id  TEXT COLLATE "C" NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    first_byte BIGINT NOT NULL,  -- the part's offset in the file
    length     BIGINT NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,     -- the object's name under partial/{upload_id}/
    PRIMARY KEY (upload_id, first_byte)
);
