// Imported first by main.ts: the SDK has to be running before http and fastify are required (see tracing.ts).
import { startTracing } from './tracing';

startTracing();
