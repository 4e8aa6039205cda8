-- The hand-off ledger: every state change of every hand-off, as the workflow recorded it in its
-- timeline, keyed by workflow id + event sequence (the timeline index). A retried or replayed
-- write of the same event is a no-op. `facts` is the hand-off's state after the batch the event
-- was shipped in (src/domain/ledger.ts), so the projection can be rebuilt from this table alone.
CREATE TABLE handoff_events (
  workflow_id text NOT NULL,
  seq         integer NOT NULL CHECK (seq >= 0),
  handoff_id  text NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  event       text NOT NULL,
  detail      text,
  rule        text,
  ref         text,
  facts       jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, seq)
);
CREATE INDEX handoff_events_by_handoff ON handoff_events (handoff_id, seq);
CREATE INDEX handoff_events_by_event ON handoff_events (event, at);

-- One row per hand-off, kept in step with the ledger in the same transaction (and rebuilt from it
-- by `npm run ledger:backfill`). The figures (GET /v1/metrics, the weekly report) read only this.
CREATE TABLE handoff_projection (
  handoff_id         text PRIMARY KEY,
  workflow_id        text NOT NULL,
  stage              text NOT NULL,
  outcome            text,
  close_reason       text,
  tier               text,
  provisional_tier   text NOT NULL,
  score              integer,
  sdr_id             text NOT NULL,
  ae_id              text,
  first_ae_id        text,
  company            text,
  submitted_at       timestamptz NOT NULL,
  handoff_by         timestamptz NOT NULL,
  first_assigned_at  timestamptz,
  assigned_at        timestamptz,
  first_contact_at   timestamptz,
  closed_at          timestamptz,
  handoff_sla        text CHECK (handoff_sla IN ('met', 'missed')),
  contact_sla        text CHECK (contact_sla IN ('met', 'missed')),
  escalations        integer NOT NULL DEFAULT 0,
  reroutes           integer NOT NULL DEFAULT 0,
  rejection_reason   text,
  reported_outcome   text,
  rating             integer,
  quality_issues     text[] NOT NULL DEFAULT '{}',
  last_seq           integer NOT NULL,
  events             integer NOT NULL,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoff_projection_by_submitted ON handoff_projection (submitted_at);
CREATE INDEX handoff_projection_by_sdr ON handoff_projection (sdr_id, submitted_at);
CREATE INDEX handoff_projection_by_ae ON handoff_projection (ae_id, submitted_at);
