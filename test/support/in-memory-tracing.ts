import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../src/platform/ops/tracing';

/**
 * The service's tracing setup (ops/tracing.ts: the SDK, HTTP and Fastify instrumentations) exporting into
 * memory. Import it before anything that loads http or fastify: the instrumentations patch them as they load.
 */
export const spans = new InMemorySpanExporter();
startTracing({}, { spanProcessors: [new SimpleSpanProcessor(spans)] });
