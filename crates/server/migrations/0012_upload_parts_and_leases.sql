-- Uploads in progress shared by every server instance (src/uploads/lease.rs, blobs.rs): the
-- request working on an upload holds a lease on it that lapses at lease_until (so an instance
-- killed mid-PATCH lets go by itself), and each upload's bytes so far are parts, each an object
-- in the evidence store, recorded here in the same transaction that moves the offset.
ALTER TABLE uploads ADD COLUMN lease_holder TEXT;
ALTER TABLE uploads ADD COLUMN lease_until TEXT;
CREATE TABLE upload_parts (
    upload_id  TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    first_byte INTEGER NOT NULL,  -- the part's offset in the file
    length     INTEGER NOT NULL,
    name       TEXT NOT NULL,     -- the object's name under partial/{upload_id}/
    PRIMARY KEY (upload_id, first_byte)
);
