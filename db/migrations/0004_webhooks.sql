-- Webhook subscriptions (managed by admins through /v1/webhooks) and their deliveries. Every
-- timeline event that reaches the ledger is queued for every active subscription that wants it,
-- in the same transaction as the ledger rows (src/db/ledger.ts), and a dispatcher sends the queue
-- (src/webhooks/dispatcher.ts): signed per the Standard Webhooks spec, retried with backoff,
-- replayable. `id` is the message id (`webhook-id`): the same for every attempt of one delivery.
CREATE TABLE webhook_subscriptions (
  id          text PRIMARY KEY,
  url         text NOT NULL,
  secret      text NOT NULL,
  -- Timeline event names to send; empty: every event.
  events      text[] NOT NULL DEFAULT '{}',
  description text,
  active      boolean NOT NULL DEFAULT true,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);

CREATE TABLE webhook_deliveries (
  id              text PRIMARY KEY,
  subscription_id text NOT NULL REFERENCES webhook_subscriptions (id),
  workflow_id     text NOT NULL,
  seq             integer NOT NULL,
  handoff_id      text NOT NULL,
  event           text NOT NULL,
  -- pending: due at next_attempt_at; sent: answered 2xx; failed: gave up after the last retry.
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_status     integer,
  last_error      text,
  sent_at         timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, workflow_id, seq),
  FOREIGN KEY (workflow_id, seq) REFERENCES handoff_events (workflow_id, seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, created_at);
