import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import type { ObservabilityConfig } from '../config.js';
import { temporalLogger, type Logger } from './logger.js';

/**
 * The Temporal SDK's process-wide runtime, installed once before any connection or worker exists:
 * its log lines (its own, the native core's, workflows' and activities') go to `log` as structured
 * lines with the hand-off id, and with `BATON_SDK_METRICS_ADDRESS` its runtime telemetry (workflow
 * and activity task latencies, slots, sticky cache, polls) is served by its Prometheus exporter
 * at `http://<address>/metrics`.
 */
export function installRuntime(
  config: ObservabilityConfig,
  log: Logger,
  opts: Pick<RuntimeOptions, 'shutdownSignals'> & { quietSdk?: boolean } = {},
): Runtime {
  const { quietSdk, ...options } = opts;
  return Runtime.install({
    ...options,
    logger: temporalLogger(log, { quietSdk }),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(config.sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: config.sdkMetricsAddress } } } : {}),
    },
  });
}
