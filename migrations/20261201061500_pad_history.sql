-- Pads' history and authorship (docs/pads.md, "History" and "Who wrote what").

-- Saved versions of a pad: at most one per minute of activity, and one at the end of each
-- editing session (when the last connection leaves). `version` counts up per pad and is never
-- reused; older versions are thinned beyond a limit (see docs/pads.md). `data` is the whole
-- Yjs state (v1, base64 TEXT as in pad_updates), `text` the plain text it shows.
CREATE TABLE pad_versions (
    pad_id BIGINT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (pad_id, version)
);

-- The people who edited the pad between the previous version and this one.
CREATE TABLE pad_version_editors (
    pad_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (pad_id, version, user_id),
    FOREIGN KEY (pad_id, version) REFERENCES pad_versions(pad_id, version) ON DELETE CASCADE
);

-- Which person writes with which Yjs client id in a pad: recorded with the first stored
-- update holding insertions of that client, in the same transaction. A client id belongs to
-- one person per pad; the hub refuses an update that writes with someone else's.
CREATE TABLE pad_authors (
    pad_id BIGINT NOT NULL REFERENCES pads(id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (pad_id, client_id)
);
