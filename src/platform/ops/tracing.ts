import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry tracing, off unless the standard variables ask for it: an exporter named in
 * OTEL_TRACES_EXPORTER (otlp, console, zipkin; `none` keeps it off), or an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). OTEL_SDK_DISABLED=true wins over both.
 * (The SDK on its own would export to localhost:4318 whenever it is started; a service that was not asked to
 * trace should not try.)
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (exporters.length) return exporters.some((e) => e !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

let sdk: NodeSDK | undefined;
/** Started from the OTEL_* variables (main.ts), not by a test with its own span processors (the test stops it). */
let fromEnvironment = false;

/**
 * Starts the SDK when tracing is enabled (or when a test passes its own span processors): traces only, since
 * metrics are Prometheus' (/metrics) and logs are pino's. Exporter, sampler, propagators, resource and batch
 * settings come from the OTEL_* variables as the SDK reads them; the service name defaults to `lead-service`.
 * Must run before fastify and http are loaded (main.ts imports ./tracing-start first), since the
 * instrumentations patch modules as they are required.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env, options: { spanProcessors?: SpanProcessor[] } = {}): boolean {
  if (sdk || (!options.spanProcessors && !tracingEnabled(env))) return sdk !== undefined;
  // Loaded only when tracing is on: the SDK and its exporters are a lot of modules for a process that does not trace.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { FastifyInstrumentation } =
    require('@opentelemetry/instrumentation-fastify') as typeof import('@opentelemetry/instrumentation-fastify');
  /* eslint-enable @typescript-eslint/no-require-imports */
  sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: 'lead-service' }),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds would drown the traces (the request log skips them too).
        ignoreIncomingRequestHook: (request) => /^\/(health|metrics)(\/|\?|$)/.test(request.url ?? ''),
      }),
      new FastifyInstrumentation(),
    ],
  });
  sdk.start();
  fromEnvironment = !options.spanProcessors;
  return true;
}

/**
 * Exports what is buffered and stops: the last step of a graceful shutdown, so the spans of the last requests
 * are not lost. `all` also stops an SDK a test started.
 */
export async function stopTracing({ all = false } = {}): Promise<void> {
  if (!sdk || (!fromEnvironment && !all)) return;
  const running = sdk;
  sdk = undefined;
  await running.shutdown();
}

/** Flushes and stops tracing once the application has shut down (after the store: its last spans included). */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await stopTracing();
  }
}
