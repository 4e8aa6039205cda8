-- The AE roster, the router's fairness state, the assignment ledger and its audit trail.

-- One row per AE ever created. `doc` is the roster document (DESIGN §2.6), validated by the API;
-- the other columns are the router's own state, never reset by an edit. A deleted AE keeps its
-- row (deleted_at), so the ledger's references and their history stay readable.
CREATE TABLE aes (
  id               text PRIMARY KEY,
  doc              jsonb NOT NULL,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz,
  -- Fairness (see src/domain/routing.ts): counted assignments, position, last turn, rejoin flag.
  assigned         integer NOT NULL DEFAULT 0,
  served           double precision NOT NULL DEFAULT 0,
  last_assigned_at timestamptz,
  rejoining        boolean NOT NULL DEFAULT true
);

-- Who changed the roster, when, and what (a field-by-field before/after).
CREATE TABLE ae_audit (
  id      bigserial PRIMARY KEY,
  ae_id   text NOT NULL REFERENCES aes (id),
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text NOT NULL,
  action  text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  changes jsonb NOT NULL
);
CREATE INDEX ae_audit_by_ae ON ae_audit (ae_id, id);

-- The assignment ledger: every routing decision, keyed by its idempotency key (workflow id +
-- routing round), with the full explanation. A decision with an AE is an assignment; it holds
-- one unit of that AE's capacity until released (closed, returned, reassigned, rejected).
CREATE TABLE routing_decisions (
  key            text PRIMARY KEY,
  handoff_id     text NOT NULL,
  ae_id          text REFERENCES aes (id),
  basis          text,
  company_domain text,
  decision       jsonb NOT NULL,
  decided_at     timestamptz NOT NULL,
  released_at    timestamptz,
  release_reason text
);
-- The hand-off id is the key of its open assignment: one hand-off is never held twice.
CREATE UNIQUE INDEX routing_one_open_per_handoff ON routing_decisions (handoff_id)
  WHERE ae_id IS NOT NULL AND released_at IS NULL;
CREATE INDEX routing_open_by_ae ON routing_decisions (ae_id) WHERE ae_id IS NOT NULL AND released_at IS NULL;
CREATE INDEX routing_by_handoff ON routing_decisions (handoff_id, decided_at);
CREATE INDEX routing_by_domain ON routing_decisions (company_domain, decided_at DESC)
  WHERE ae_id IS NOT NULL AND company_domain IS NOT NULL;

-- Hand-offs that found nobody eligible, so a roster change can wake them at once.
CREATE TABLE routing_waits (
  handoff_id text PRIMARY KEY,
  since      timestamptz NOT NULL
);
