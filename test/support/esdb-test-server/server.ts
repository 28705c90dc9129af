/**
 * Child-process entry of the EventStoreDB test double (see `index.ts` for the jest-side helper). It must never be
 * loaded in the jest process: the generated protobuf code registers itself in a global namespace.
 *
 * The gRPC server does not listen itself: a plain `net` server accepts the sockets and hands them to it, so that
 * the double can kill connections the hard way (a reset, as when a server dies) and stop and resume listening on
 * the same port while the log, which lives in this process, stays.
 *
 * Control over IPC: { id, command: 'pause' | 'resume' | 'drop' | 'inject' | 'clearFaults' | 'wipe' | 'counters', arg? }
 * answered with { id, ok, result?, error? }; at start it sends { ready: true, port }.
 *
 * Standalone (no IPC): `npm run esdb:test-server` listens on ESDB_TEST_SERVER_PORT (default 2113, 0 = any free
 * port) with BatchAppend advertised, and prints its connection string, so that the service can be run on it by
 * hand: `LEAD_STORE=eventstoredb LEAD_EVENTSTOREDB_URL=<printed> npm start`. Faults cannot be injected then.
 */
import { Server as NetServer, Socket, createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { EventLog } from './log';
import { Fault, ServerContext, serverFeatures, streams } from './services';

interface Control {
  id: number;
  command: 'pause' | 'resume' | 'drop' | 'inject' | 'clearFaults' | 'wipe' | 'counters';
  arg?: Fault;
}

const standalone = !process.send;
const config = JSON.parse(
  process.env.ESDB_TEST_SERVER_CONFIG ?? (standalone ? JSON.stringify({ port: Number(process.env.ESDB_TEST_SERVER_PORT ?? 2113) }) : '{}'),
) as {
  batchAppend?: boolean;
  systemEventEvery?: number;
  port?: number;
  host?: string;
  maxAppendSize?: number;
};
const sockets = new Set<Socket>();
let listener: NetServer | undefined;
let port = config.port ?? 0;
const faults: { fault: Fault; left: number }[] = [];
const newLog = () => new EventLog(config.systemEventEvery ?? 3, config.maxAppendSize);

const ctx: ServerContext = {
  log: newLog(),
  batchAppend: config.batchAppend ?? true,
  port: () => port,
  takeFault: (call, requiresLeader) => {
    const index = faults.findIndex(({ fault }) => (fault.kind === 'not-leader' ? requiresLeader : call === 'append'));
    if (index < 0) return undefined;
    const entry = faults[index];
    if (--entry.left <= 0) faults.splice(index, 1);
    return entry.fault;
  },
  dropConnections,
  counters: { appends: 0, subscriptions: 0, faults: 0 },
  replicating: new Set(),
};

const grpcServer = new grpc.Server();
grpcServer.addService(StreamsService, streams(ctx));
grpcServer.addService(ServerFeaturesService, serverFeatures(ctx));
const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());

function listen(): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      injector.injectConnection(socket);
    });
    server.once('error', reject);
    server.listen(port, config.host ?? '127.0.0.1', () => {
      port = (server.address() as { port: number }).port;
      listener = server;
      resolve();
    });
  });
}

function dropConnections(): void {
  for (const socket of sockets) socket.resetAndDestroy();
}

async function pause(): Promise<void> {
  const server = listener;
  listener = undefined;
  const closed = server ? new Promise((resolve) => server.close(resolve)) : undefined;
  dropConnections();
  await closed;
}

async function handle(message: Control): Promise<unknown> {
  switch (message.command) {
    case 'pause':
      return pause();
    case 'resume':
      return listener ? undefined : listen();
    case 'drop':
      return dropConnections();
    case 'inject':
      faults.push({ fault: message.arg!, left: message.arg!.times ?? 1 });
      return undefined;
    case 'clearFaults':
      faults.length = 0;
      return undefined;
    case 'wipe':
      // A restarted in-memory node (or a wiped volume): the log starts again from nothing.
      ctx.log = newLog();
      return undefined;
    case 'counters':
      return { ...ctx.counters, events: ctx.log.all.length };
  }
}

process.on('message', (message: Control) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result }),
    (error: Error) => process.send?.({ id: message.id, ok: false, error: error.message }),
  );
});
// The parent (jest) went away: do not linger as an orphan holding the port.
process.on('disconnect', () => process.exit(0));
if (standalone) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

listen().then(
  () => {
    if (!standalone) return void process.send?.({ ready: true, port });
    process.stdout.write(`EventStoreDB test server (wire-level double, in memory) listening\nesdb://127.0.0.1:${port}?tls=false\n`);
  },
  (error: Error) => {
    if (standalone) process.stderr.write(`esdb test server failed to start: ${error.message}\n`);
    process.send?.({ ready: false, error: error.message });
    process.exit(1);
  },
);
