-- Policies as data in the database (issue 14): every version a team saves, who wrote it and why,
-- and which one is live. New hand-offs load the latest publication at their start; running ones
-- keep the policy they started with (it is in their workflow state).
CREATE TABLE policies (
  number      integer PRIMARY KEY CHECK (number > 0),
  -- The document's own `version`: what each hand-off records as its policyVersion.
  label       text NOT NULL UNIQUE,
  -- The document as written (durations as strings), validated by PolicySchema before it is stored.
  document    jsonb NOT NULL,
  author      text NOT NULL,
  note        text NOT NULL DEFAULT '',
  based_on    integer REFERENCES policies (number),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Every publication, in order: the live policy is the latest one. Publishing an older version
-- again is a rollback, and it is recorded like any other publication.
CREATE TABLE policy_publications (
  id            bigserial PRIMARY KEY,
  number        integer NOT NULL REFERENCES policies (number),
  published_by  text NOT NULL,
  published_at  timestamptz NOT NULL DEFAULT now(),
  note          text NOT NULL DEFAULT ''
);
CREATE INDEX policy_publications_by_number ON policy_publications (number, published_at);

-- Each hand-off's lead data as last shipped with its ledger batches, and the policy version it ran
-- under: the what-if simulator replays these through a draft policy (src/domain/simulation.ts).
CREATE TABLE handoff_leads (
  handoff_id      text PRIMARY KEY,
  workflow_id     text NOT NULL,
  lead            jsonb NOT NULL,
  policy_version  text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
