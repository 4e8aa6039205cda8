import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { ObservabilityConfig } from '../config.js';
import { handoffIdOf } from './logger.js';

/** The attribute every span of a hand-off carries (besides the SDK's `temporalWorkflowId`). */
export const HANDOFF_ID_ATTRIBUTE = 'baton.handoff_id';

/**
 * OpenTelemetry tracing (optional), exported over OTLP/HTTP: the API's client spans
 * (UpdateWithStartWorkflow, StartWorkflowUpdate, SignalWorkflow, QueryWorkflow …) and the worker's
 * activity spans (RunActivity:<type>, one per attempt), every one with the hand-off id.
 *
 * Not the workflow's own spans: the SDK's workflow interceptor module (1.24) adds yields that a
 * history recorded without it lacks, so a hand-off started before tracing was turned on fails
 * to replay with it (nondeterminism, tried on the recorded histories), and the SDK flag it checks
 * is also considered set on replays of untraced histories from SDK ≥ 1.13.2, so it cannot tell
 * which hand-offs started traced. The workflow bundle stays as it is; a hand-off's client and
 * activity spans are found by `baton.handoff_id` (an activity's trace is its own, not the request's).
 */
export interface Tracing {
  /** For a Temporal client: `new Client({ interceptors: { workflow: tracing.clientInterceptors } })`. */
  clientInterceptors: WorkflowClientInterceptor[];
  /** A worker's activity interceptors (a span per attempt; trace ids on activity log lines). */
  activityInterceptors: ActivityInterceptorsFactory;
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
  /** Flushes and stops exporting (at shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing for this process (once: the tracer provider becomes the process's global one).
 * `exporter` replaces the OTLP/HTTP exporter (tests).
 */
export function startTracing(
  config: NonNullable<ObservabilityConfig['tracing']>,
  role: 'baton' | 'baton-worker' | 'baton-api',
  exporter: SpanExporter = new OTLPTraceExporter({ url: config.url }),
): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.serviceName ?? role });
  const processor = new BatchSpanProcessor(withHandoffIds(exporter));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  const tracer = provider.getTracer('baton');
  return {
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor({ tracer })],
    activityInterceptors: (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Adds the hand-off id to every span that names a hand-off's workflow. */
function withHandoffIds(exporter: SpanExporter): SpanExporter {
  return {
    export: (spans, done) =>
      exporter.export(
        spans.map((span) => {
          const handoffId = handoffIdOf(span.attributes.temporalWorkflowId ?? span.attributes.workflowId);
          if (!handoffId) return span;
          return Object.create(span, { attributes: { value: { ...span.attributes, [HANDOFF_ID_ATTRIBUTE]: handoffId } } }) as ReadableSpan;
        }),
        done,
      ),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
