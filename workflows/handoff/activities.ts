import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

/** Every side effect, retried without limit at most a minute apart: an outage delays a hand-off, never fails it. */
export const { loadPolicy, assignAe, releaseAe, notify, recordEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The ledger write as a local activity: it runs in the workflow task that recorded the entries, so
 * shipping a batch costs no extra server round trip or workflow task. A failed attempt is retried
 * after a server timer, never inside the task (`localRetryThreshold` below the first backoff), so a
 * database outage delays the ledger, never the hand-off's answers.
 */
export const local = proxyLocalActivities<Pick<Activities, 'recordEvents'>>({
  startToCloseTimeout: '10 seconds',
  localRetryThreshold: '500 milliseconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Notifications sent in the background (DELIVERIES_PATCH): the same activity, retried for up to a
 * day while a channel is down; the hand-off never waits for it except at its very end.
 */
export const { notify: deliver } = proxyActivities<Pick<Activities, 'notify'>>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
