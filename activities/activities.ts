import type { Policy } from '../src/domain/policy.js';
import { Outbox, type Notification } from './notifications.js';
import { readPolicyFile } from './policy.js';
import { FileRouter, type AssignRequest, type Assignment } from './routing.js';

export interface ActivityDeps {
  policyFile: string;
  rosterFile: string;
  dataDir: string;
  log?: (line: string) => void;
}

/** Every side effect of the hand-off workflow. Each activity is idempotent (safe to retry). */
export function createActivities(deps: ActivityDeps) {
  const router = new FileRouter(deps.rosterFile, deps.dataDir);
  const outbox = new Outbox(deps.dataDir, deps.log);
  return {
    /** Loaded once per hand-off; the workflow keeps it (and its version) in state. */
    async loadPolicy(): Promise<Policy> {
      return readPolicyFile(deps.policyFile);
    },
    async assignAe(request: AssignRequest): Promise<Assignment> {
      return router.assign(request);
    },
    async releaseAe(input: { handoffId: string; aeId: string }): Promise<boolean> {
      return router.release(input.handoffId, input.aeId);
    },
    async notify(notification: Notification): Promise<boolean> {
      return outbox.send(notification);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
