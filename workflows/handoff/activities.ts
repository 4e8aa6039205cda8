import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

/** Every side effect, retried without limit at most a minute apart: an outage delays a hand-off, never fails it. */
export const { loadPolicy, assignAe, releaseAe, notify, recordEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
