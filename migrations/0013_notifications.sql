-- In-app notifications (SPEC §4.9, docs/notifications.md). Rows are made from outbox events by one
-- consumer at a time (its cursor row is locked while it works), so every event notifies once.
CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type       text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz,
    email      boolean NOT NULL DEFAULT false,  -- to be sent in the next email digest
    emailed_at timestamptz,
    event_id   bigint,                          -- the outbox event it came from
    UNIQUE (user_id, event_id, type)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_digest_idx ON notifications (user_id) WHERE email AND emailed_at IS NULL;

-- Per-type choice; no row means the type's default (docs/notifications.md).
CREATE TABLE notification_preferences (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type     text NOT NULL,
    delivery text NOT NULL CHECK (delivery IN ('in_app', 'email', 'off')),
    PRIMARY KEY (user_id, type)
);

-- Durable positions of outbox consumers that must see every event once (unlike the relay, which
-- starts from the tail). The consumer holds its row's lock while it processes a batch.
CREATE TABLE outbox_consumers (
    name text PRIMARY KEY,
    xid  xid8 NOT NULL,
    id   bigint NOT NULL
);
-- Starts after what the outbox holds when this migration runs: no notifications for the past.
INSERT INTO outbox_consumers (name, xid, id)
SELECT 'notifications', coalesce((SELECT xid FROM outbox ORDER BY xid DESC, id DESC LIMIT 1), '0'),
       coalesce((SELECT id FROM outbox ORDER BY xid DESC, id DESC LIMIT 1), 0);
