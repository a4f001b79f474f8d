-- Trace context (docs/observability.md): the W3C traceparent of the request or job that enqueued a
-- job or appended an outbox event, so the worker and the relay continue that trace. NULL for rows
-- written without one (before this migration, or by SQL outside the server).
ALTER TABLE jobs ADD COLUMN traceparent text CHECK (length(traceparent) <= 55);
ALTER TABLE outbox ADD COLUMN traceparent text CHECK (length(traceparent) <= 55);
