-- Uploads and audio processing (SPEC §4.4).

-- Every accepted upload bumps media_version: its HLS output lives under a versioned prefix, so the
-- immutable segment URLs of an older upload never serve the newer audio (and vice versa).
ALTER TABLE tracks
    ADD COLUMN media_version    integer NOT NULL DEFAULT 0,
    ADD COLUMN processing_error text;

-- A resumable upload: chunks are stored as objects (so any node may receive the next one) and
-- assembled when the last arrives.
CREATE TABLE upload_sessions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id    uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    size        bigint NOT NULL CHECK (size > 0),
    received    bigint NOT NULL DEFAULT 0 CHECK (received BETWEEN 0 AND size),
    filename    text,
    chunk_keys  text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL DEFAULT now() + interval '24 hours'
);
CREATE INDEX upload_sessions_owner_idx ON upload_sessions (owner_id);
CREATE INDEX upload_sessions_expiry_idx ON upload_sessions (expires_at);
