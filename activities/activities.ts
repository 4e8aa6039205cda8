import type { Database } from '../src/db/database.js';
import { DeliveryStore } from '../src/db/deliveries.js';
import { LedgerStore, type StoredEntry } from '../src/db/ledger.js';
import { Router, type RouterOptions } from '../src/db/router.js';
import { LedgerBatchSchema, type LedgerBatch } from '../src/domain/ledger.js';
import type { Policy } from '../src/domain/policy.js';
import type { AssignRequest, Assignment } from '../src/domain/routing.js';
import { FilePolicySource, type PolicySource } from '../src/policy/source.js';
import type { Notification } from '../src/domain/notifications.js';
import {
  Deliverer,
  Directory,
  EmailChannel,
  OutboxChannel,
  PermanentFailure,
  type Channel,
  type DeliveryReport,
  type EmailOptions,
} from './delivery/index.js';
import { SlackChannel, type SlackOptions } from './delivery/slack.js';
import { activityLogger } from '../src/observability/logger.js';
import { workerMetrics, type WorkerMetrics } from '../src/observability/metrics.js';

export interface ActivityDeps {
  /** The policy file, read at each hand-off's start unless `policies` says where the policy comes from. */
  policyFile: string;
  /** Where new hand-offs get their policy (the worker: the database's published version unless BATON_POLICY_FILE). */
  policies?: PolicySource;
  dataDir: string;
  /** The roster and assignment ledger (PostgreSQL or the embedded PGlite). */
  db: Database;
  log?: (line: string) => void;
  /** The tokens file, where the notification directory finds SDRs' and managers' names and emails. */
  tokensFile?: string;
  /** Email over SMTP; unset: notifications go to the outbox log only. */
  email?: EmailOptions;
  /** Slack (bot token, optional Web API base); unset: no Slack. */
  slack?: SlackOptions;
  /** How long a delivery claim is exclusive (tests shorten it). */
  deliveryLeaseMs?: number;
  /** Test hooks for the router (a clock, a crash after commit). */
  router?: RouterOptions;
}

/** Every side effect of the hand-off workflow. Each activity is idempotent (safe to retry). */
export function createActivities(deps: ActivityDeps) {
  const router = new Router(deps.db, deps.router);
  const channels: Channel[] = [new OutboxChannel(deps.dataDir, deps.log ?? ((line) => void activityLogger().info(line)))];
  if (deps.email) channels.push(new EmailChannel(deps.email));
  if (deps.slack) channels.push(new SlackChannel(deps.slack, new DeliveryStore(deps.db)));
  const metrics = workerMetrics();
  const deliverer = new Deliverer(
    deps.db,
    new Directory(deps.db, deps.tokensFile),
    channels.map((c) => metered(c, metrics)),
    deps.deliveryLeaseMs,
  );
  const ledger = new LedgerStore(deps.db);
  const policies = deps.policies ?? new FilePolicySource(deps.policyFile);
  return {
    /** Loaded once per hand-off; the workflow keeps it (and its version) in state. */
    async loadPolicy(): Promise<Policy> {
      return policies.current();
    },
    /** Routes the hand-off (DESIGN §2.6); the same key always answers the same decision. */
    async assignAe(request: AssignRequest): Promise<Assignment> {
      const end = metrics.routingDuration.startTimer();
      let outcome = 'error';
      try {
        const assignment = await router.assign(request);
        outcome = assignment.aeId ? 'assigned' : 'no_eligible_ae';
        activityLogger().info(assignment.aeId ? `routed to ${assignment.aeId}` : 'no eligible AE', {
          aeId: assignment.aeId,
          basis: assignment.basis ?? null,
          candidates: assignment.candidates.length,
        });
        return assignment;
      } finally {
        end({ outcome });
      }
    },
    /** Frees the AE's capacity held by this hand-off (closed, returned, reassigned); a no-op when already free. */
    async releaseAe(input: { handoffId: string; aeId: string; reason?: string }): Promise<boolean> {
      return router.release(input.handoffId, input.aeId, input.reason);
    },
    /**
     * Appends timeline entries to the hand-off ledger and refreshes its projection row. Keyed by
     * workflow id + sequence, so a retry or a replayed call writes nothing twice; while the
     * database is down it fails and is retried, and the hand-off goes on meanwhile.
     */
    async recordEvents(batch: LedgerBatch): Promise<{ inserted: number; stored: StoredEntry[] }> {
      const { inserted, stored } = await ledger.append(LedgerBatchSchema.parse(batch));
      return { inserted, stored };
    },
    /**
     * Tells each recipient on every channel that reaches them, each (step, recipient, channel) once
     * per the delivery log: a retry sends only what has not gone out yet.
     */
    async notify(notification: Notification): Promise<DeliveryReport> {
      return deliverer.deliver(notification);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** The channel, with its failed sends counted (refused: for good; failed: retried). */
function metered(channel: Channel, metrics: WorkerMetrics): Channel {
  return {
    name: channel.name,
    addressOf: (contact) => channel.addressOf(contact),
    async send(...args) {
      try {
        return await channel.send(...args);
      } catch (err) {
        metrics.notificationFailures.inc({ channel: channel.name, outcome: err instanceof PermanentFailure ? 'refused' : 'failed' });
        throw err;
      }
    },
  };
}
