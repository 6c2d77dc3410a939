-- Whether the server removed a photo's location (its EXIF GPS directory) before keeping it:
-- the agents' console says so beside the file. 0 for files kept before this was done.
ALTER TABLE uploads ADD COLUMN location_removed INTEGER NOT NULL DEFAULT 0;
