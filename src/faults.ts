import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Drill-only fault injection (`BATON_FAULT_ACTIVITY_RATE`, test/drills): a share of activity attempts
 * fail, half before the activity runs and half after it has run and its result is thrown away: the
 * worst case for idempotence, since the retry repeats work already done. Never set it in production;
 * the worker's banner says so when it is on.
 */
export function activityFaults(rate: number, random: () => number = Math.random): ActivityInterceptorsFactory {
  if (!(rate > 0 && rate < 1)) throw new RangeError(`the activity fault rate must be between 0 and 1, got ${rate}`);
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const draw = random();
        const name = ctx.info.activityType;
        if (draw < rate / 2) throw new InjectedFault(`injected fault before ${name} (attempt ${ctx.info.attempt})`);
        const result = await next(input);
        if (draw < rate) throw new InjectedFault(`injected fault after ${name} ran (attempt ${ctx.info.attempt})`);
        return result;
      },
    },
  });
}

/** A retryable failure the drills inject (its name shows in the activity's failure in the Web UI). */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
}
