import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { Settings, loadSettings } from './config/settings';
import { declarePathParams } from './common/openapi-path-params';
import { fastifyRefusals } from './common/fastify-refusals';
import { ProblemDetailsFilter } from './common/problem-details.filter';
import { registerRateLimit } from './common/rate-limit';
import { registerSecurityHeaders } from './common/security-headers';
import { createValidationPipe } from './common/validation';
import { Logger } from 'nestjs-pino';
import { requestIdOf } from './ops/logging';
import { Metrics, installHttpMetrics } from './ops/metrics';

/** Builds the application exactly as `main.ts` serves it; the end-to-end tests use this too. */
export async function createApp(settings: Settings = loadSettings(), options: { logger?: false } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: settings.bodyLimitBytes,
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
  });
  if (options.logger !== false) app.useLogger(app.get(Logger)); // JSON lines through pino (LOG_LEVEL)
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  const fastify = app.getHttpAdapter().getInstance();
  installHttpMetrics(fastify, app.get(Metrics));
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  registerSecurityHeaders(fastify);
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
  SwaggerModule.setup('docs', app, declarePathParams(document), { jsonDocumentUrl: 'docs/json' });
  app.enableShutdownHooks();
  return app;
}
