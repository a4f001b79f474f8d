-- Transactional outbox: events appended in the same transaction as the change they describe.
-- xid records the writing transaction so the relay only reads rows whose transaction can no longer
-- be in flight (xid below the snapshot's xmin): ids alone can commit out of order.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    topic       text NOT NULL,
    key         text NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_xid_id_idx ON outbox (xid, id);
