import { Attributes, Context, Link, Span, SpanKind, SpanStatusCode, context, isSpanContextValid, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * Traces through the service and through the event log, on the OpenTelemetry API only: without a started SDK
 * (tracing is off by default, see ops/tracing.ts) every span here is a no-op and no event metadata changes.
 */
// Asked for at each span, not kept: a provider registered later (or again, in tests) is the one used.
const tracer = () => trace.getTracer('lead-service');

/** Event metadata keys of the W3C trace context (https://www.w3.org/TR/trace-context/) of the work that wrote an event. */
export interface TraceMetadata {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

// The W3C format whatever OTEL_PROPAGATORS says: metadata is stored, and must read the same in every process.
const w3c = new W3CTraceContextPropagator();

const getter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => (typeof carrier[key] === 'string' ? (carrier[key] as string) : undefined),
};

/** The trace context an event's metadata recorded, as a parent for work the event causes; undefined if none. */
export function contextOfMetadata(metadata: Record<string, unknown> | undefined, base: Context = context.active()): Context | undefined {
  if (typeof metadata?.traceparent !== 'string') return undefined;
  const extracted = w3c.extract(base, metadata, getter);
  const parent = trace.getSpanContext(extracted);
  return parent && isSpanContextValid(parent) ? extracted : undefined;
}

/** The W3C trace context of `span`, to store in the metadata of the events it writes. */
export function traceMetadataOf(span: Span): TraceMetadata {
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(context.active(), span), carrier, { set: (c, k, v) => (c[k] = v) });
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/** A link to the trace an event's metadata recorded (for work that serves many events at once: a projection batch). */
export function linkOfMetadata(metadata: Record<string, unknown> | undefined): Link | undefined {
  const ctx = contextOfMetadata(metadata);
  const spanContext = ctx && trace.getSpanContext(ctx);
  return spanContext ? { context: spanContext } : undefined;
}

/**
 * Runs `work` in a new active span: ended when the work settles; a thrown error is recorded on it and marks it
 * failed (unless `expected` says the caller handles it, e.g. a concurrency conflict that is retried).
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; links?: Link[]; parent?: Context; expected?: (error: unknown) => boolean },
  work: (span: Span) => Promise<T> | T,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.setAttribute('error.type', error instanceof Error ? error.constructor.name : typeof error);
        if (!options.expected?.(error)) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        }
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The synchronous twin of `inSpan`, for work that must not yield (a projection batch in one transaction). */
export function inSpanSync<T>(
  name: string,
  options: { attributes?: Attributes; links?: Link[]; parent?: Context },
  work: (span: Span) => T,
): T {
  return tracer().startActiveSpan(
    name,
    { attributes: options.attributes, links: options.links },
    options.parent ?? context.active(),
    (span) => {
      try {
        return work(span);
      } catch (error) {
        span.setAttribute('error.type', error instanceof Error ? error.constructor.name : typeof error);
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
