-- Real-time channels (docs/realtime.md). An outbox row addressed to a channel is a message on that
-- channel; its (xid, id) is the message's offset. Clients that reconnect read what they missed
-- through this index.
ALTER TABLE outbox ADD COLUMN channel text;
CREATE INDEX outbox_channel_idx ON outbox (channel, xid, id) WHERE channel IS NOT NULL;

-- The newest offset the retention job has deleted. A client resuming from an older offset may have
-- lost messages and is told to reload instead.
CREATE TABLE outbox_horizon (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    xid      xid8 NOT NULL,
    id       bigint NOT NULL
);
INSERT INTO outbox_horizon (xid, id) VALUES ('0', 0);
