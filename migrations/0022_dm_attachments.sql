-- Direct-message attachments (docs/messaging.md "Attachments"): an image or audio file uploaded by
-- a member, processed (images re-encoded, audio transcoded) and stored under dm/<uploader>/…, then
-- attached to exactly one message of the uploader's. Readable by the uploader and by the members
-- of the conversation the message is in, through GET /api/messaging/attachments/{id}.
-- Additive only: the previous release keeps working on this schema (it never reads the table).
CREATE TABLE message_attachments (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    uploader_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('image', 'audio')),
    storage_key  text NOT NULL UNIQUE,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
    width        integer CHECK (width > 0),
    height       integer CHECK (height > 0),
    duration_ms  integer CHECK (duration_ms > 0),
    -- Set once, by the send that attaches it; cleared (SET NULL) when the message goes with its
    -- conversation, after which the retention prune removes the row and its stored file.
    message_id   uuid UNIQUE REFERENCES messages (id) ON DELETE SET NULL,
    attached_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'image') = (width IS NOT NULL AND height IS NOT NULL)),
    CHECK ((kind = 'audio') = (duration_ms IS NOT NULL)),
    CHECK (message_id IS NULL OR attached_at IS NOT NULL)
);
-- The uploader's pending uploads (the per-user cap) and the retention prune's candidates.
CREATE INDEX message_attachments_pending_idx ON message_attachments (uploader_id, created_at)
    WHERE message_id IS NULL;
