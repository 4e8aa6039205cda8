-- Every notification Baton sends, one row per (hand-off workflow, step, recipient, channel): claimed
-- before the send, its result and the provider's id recorded after. A retried notify activity finds
-- the row and never sends twice; a claim left by a worker that died mid-send is taken over once its
-- lease has run out (src/db/deliveries.ts). `failed` is retried by the activity; `refused` is a
-- failure retrying cannot fix (the mail server refuses the address) and is never retried. GET /v1/handoffs/:id/notifications reads this table.
CREATE TABLE deliveries (
  workflow_id  text NOT NULL,
  step         text NOT NULL,
  recipient    text NOT NULL,
  channel      text NOT NULL,
  handoff_id   text NOT NULL,
  kind         text NOT NULL,
  -- Where it went: an email address, a Slack user id, the outbox file.
  address      text NOT NULL,
  status       text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'refused')),
  attempts     integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  claim        text NOT NULL,
  claimed_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  provider_id  text,
  error        text,
  PRIMARY KEY (workflow_id, step, recipient, channel)
);
CREATE INDEX deliveries_by_handoff ON deliveries (handoff_id, claimed_at);
