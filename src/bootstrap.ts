import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { Settings, loadSettings } from './platform/config/settings';
import { declarePathParams } from './platform/http/openapi-path-params';
import { declareResponses } from './platform/http/openapi-responses';
import { CHANGE_FEED_SCHEMAS } from './modules/audit/change-feed.schema';
import { DESK_SCHEMAS } from './modules/tickets/http/desk.schemas';
import { TICKET_SCHEMAS } from './modules/tickets/ticket.schemas';
import { fastifyRefusals } from './platform/http/fastify-refusals';
import { registerJsonCharsetCheck } from './platform/http/json-charset';
import { ProblemDetailsFilter } from './platform/http/problem-details.filter';
import { registerJsonLimits } from './platform/http/json-limits';
import { registerRateLimit } from './platform/http/rate-limit';
import { registerSecurityHeaders } from './platform/http/security-headers';
import { registerSlowClientLimits, slowClientServerOptions } from './platform/http/slow-clients';
import { createValidationPipe } from './platform/http/validation';
import { Logger, PARAMS_PROVIDER_TOKEN, Params } from 'nestjs-pino';
import { installRequestLog, requestIdOf, rootLoggerOf } from './platform/ops/logging';
import { Metrics, installHttpMetrics } from './platform/ops/metrics';

/** Builds the application exactly as `main.ts` serves it; the end-to-end tests use this too. */
export async function createApp(settings: Settings = loadSettings(), options: { logger?: false } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: settings.bodyLimitBytes,
    // Slow clients (slowloris, stalled bodies, idle keep-alive) cannot hold connections for long.
    ...slowClientServerOptions(settings),
    // Behind a proxy, the client address that events record as their source comes from x-forwarded-for.
    trustProxy: settings.trustProxy,
    // Fynd clients call POST .../ticket/ with a trailing slash; accept both spellings.
    routerOptions: { ignoreTrailingSlash: true },
    ...fastifyRefusals(),
    // The caller's x-request-id when sane, else a new one; the logs use the same id (ops/logging.ts).
    genReqId: requestIdOf,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings), adapter, {
    logger: options.logger,
    bufferLogs: options.logger !== false,
    // A failed start (a refusal such as checkpoints ahead of the log, a DI error) is thrown to the caller, which
    // says why and exits (main.ts), instead of Nest exiting the process on its own (a test runner with it).
    abortOnError: false,
  });
  if (options.logger !== false) app.useLogger(app.get(Logger)); // JSON lines through pino (LOG_LEVEL)
  app.useGlobalPipes(createValidationPipe());
  const metrics = app.get(Metrics);
  app.useGlobalFilters(
    new ProblemDetailsFilter((problem) => problem.type === 'urn:lead:problem:stream-integrity' && metrics.brokenChainRefusals.inc()),
  );
  const fastify = app.getHttpAdapter().getInstance();
  installRequestLog(fastify, rootLoggerOf(app.get<Params>(PARAMS_PROVIDER_TOKEN)));
  installHttpMetrics(fastify, metrics);
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  registerSecurityHeaders(fastify);
  registerSlowClientLimits(fastify, settings);
  registerJsonLimits(fastify, {
    maxDepth: settings.jsonMaxDepth,
    maxKeys: settings.jsonMaxKeys,
    maxItems: settings.jsonMaxItems,
    maxValues: settings.jsonMaxValues,
  });
  registerJsonCharsetCheck(fastify);
  await registerRateLimit(app, settings);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lead API')
      .setDescription('Event-sourced support tickets, wire-compatible with the Fynd Lead API')
      .setVersion('1.0')
      .addBearerAuth()
      .build(),
  );
  declareResponses(document, TICKET_SCHEMAS, DESK_SCHEMAS, CHANGE_FEED_SCHEMAS);
  SwaggerModule.setup('docs', app, declarePathParams(document), { jsonDocumentUrl: 'docs/json' });
  app.enableShutdownHooks();
  return app;
}
