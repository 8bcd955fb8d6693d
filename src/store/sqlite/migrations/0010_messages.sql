-- patron schema v10: messages (docs/webhooks.md "Messages"). Members get a
-- name, a locale and their marketing consent per channel; each outbox event
-- may carry the message composed for it; webhook endpoints may be message
-- providers. Same conventions as 0001.

ALTER TABLE members ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN locale TEXT NOT NULL DEFAULT '';
-- Channels consented to, comma separated, in the order email,sms,line,push.
ALTER TABLE members ADD COLUMN consent TEXT NOT NULL DEFAULT '';

-- message: a JSON object, '' for none. send_after: when a ready message may
-- be sent (unix seconds), NULL for none or a suppressed one. marketing: a
-- ready marketing message, which the frequency caps count.
ALTER TABLE outbox ADD COLUMN message TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN send_after INTEGER;
ALTER TABLE outbox ADD COLUMN marketing INTEGER NOT NULL DEFAULT 0
  CHECK (marketing = 0 OR marketing = 1);
-- count_marketing_messages: a member's ready marketing messages by send time.
CREATE INDEX outbox_marketing ON outbox (program_id, member_id, send_after) WHERE marketing = 1;

ALTER TABLE webhook_endpoints ADD COLUMN messages INTEGER NOT NULL DEFAULT 0
  CHECK (messages = 0 OR messages = 1);
