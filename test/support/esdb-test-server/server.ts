/**
 * Child-process entry of the EventStoreDB test double (see `index.ts` for the jest-side helper). It must never be
 * loaded in the jest process: the generated protobuf code registers itself in a global namespace.
 *
 * The gRPC server does not listen itself: a plain `net` server accepts the sockets and hands them to it, so that
 * the double can kill connections the hard way (a reset, as when a server dies) and stop and resume listening on
 * the same port while the log, which lives in this process, stays.
 *
 * Control over IPC: { id, command: 'pause' | 'resume' | 'drop' | 'failNextAppend' | 'counters', arg? }
 * answered with { id, ok, result?, error? }; at start it sends { ready: true, port }.
 *
 * Standalone (no IPC, e.g. to point LEAD_ESDB_REAL_URL or a local run at it):
 *   ESDB_TEST_SERVER_CONFIG='{"port":2113,"batchAppend":true}' node -r ts-node/register/transpile-only test/support/esdb-test-server/server.ts
 */
import { Server as NetServer, Socket, createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { EventLog } from './log';
import { ServerContext, serverFeatures, streams } from './services';

type AppendFault = 'before-commit' | 'after-commit';
interface Control {
  id: number;
  command: 'pause' | 'resume' | 'drop' | 'failNextAppend' | 'counters';
  arg?: AppendFault;
}

const config = JSON.parse(process.env.ESDB_TEST_SERVER_CONFIG ?? '{}') as { batchAppend?: boolean; systemEventEvery?: number; port?: number };
const sockets = new Set<Socket>();
let listener: NetServer | undefined;
let port = config.port ?? 0;
let appendFault: AppendFault | undefined;

const ctx: ServerContext = {
  log: new EventLog(config.systemEventEvery ?? 3),
  batchAppend: config.batchAppend ?? true,
  takeAppendFault: () => {
    const fault = appendFault;
    appendFault = undefined;
    return fault;
  },
  dropConnections,
  counters: { appends: 0, subscriptions: 0 },
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
    server.listen(port, '127.0.0.1', () => {
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
    case 'failNextAppend':
      appendFault = message.arg ?? 'after-commit';
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

listen().then(
  () => process.send?.({ ready: true, port }),
  (error: Error) => {
    process.send?.({ ready: false, error: error.message });
    process.exit(1);
  },
);
