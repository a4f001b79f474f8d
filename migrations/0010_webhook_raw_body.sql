-- Webhook events keep the body exactly as the provider signed it. jsonb cannot hold every JSON
-- text (a \u0000 escape is refused) and normalises the rest, so `payload` is now the queryable
-- copy (U+0000 in its strings replaced by U+FFFD) and `body` the record of what arrived.
ALTER TABLE webhook_events ADD COLUMN body text;
UPDATE webhook_events SET body = payload::text;
ALTER TABLE webhook_events ALTER COLUMN body SET NOT NULL;
