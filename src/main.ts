import './platform/ops/tracing-start'; // first: OpenTelemetry (when OTEL_* asks for it) patches http and fastify as they load
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { loadSettings } from './platform/config/settings';

async function main(): Promise<void> {
  const settings = loadSettings();
  const app = await createApp(settings);
  await app.listen(settings.port, settings.host);
  new Logger('Lead').log(`Lead service on http://${settings.host}:${settings.port} (store: ${settings.store}); API docs at /docs`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
