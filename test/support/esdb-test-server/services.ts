import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import { IServerFeaturesServer } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { AllStreamPosition, Empty as EsEmpty, UUID, WrongExpectedVersion } from '@eventstore/db-client/generated/shared_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { IStreamsServer } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, BatchAppendReq, BatchAppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { AppendOutcome, EventLog, Expected, Proposed, StoredEvent } from './log';
import { readAll, readStream, streamName, subscribeToAll } from './reads';

/** What the wire handlers need from the process around them: the log, and the faults a test has asked for. */
export interface ServerContext {
  readonly log: EventLog;
  readonly batchAppend: boolean;
  /** Consumed by the next append: drop every connection before or after committing it, and never answer. */
  takeAppendFault(): 'before-commit' | 'after-commit' | undefined;
  dropConnections(): void;
  readonly counters: { appends: number; subscriptions: number };
}

const STREAMS = 'event_store.client.streams.streams';

export function serverFeatures(ctx: ServerContext): IServerFeaturesServer {
  return {
    getSupportedMethods(_call, callback) {
      const names = ['read', 'append', 'delete', 'tombstone', ...(ctx.batchAppend ? ['batchappend'] : [])];
      const methods = new SupportedMethods().setEventStoreServerVersion('24.10.0-test-double');
      methods.setMethodsList(names.map((name) => new SupportedMethod().setServiceName(STREAMS).setMethodName(name)));
      callback(null, methods);
    },
  };
}

export function streams(ctx: ServerContext): IStreamsServer {
  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>) =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'not in the test double' });
  return {
    read(call) {
      const options = call.request.getOptions();
      const run = !options ? undefined : options.hasSubscription() ? subscribeToAll : options.hasStream() ? readStream : readAll;
      if (!options || (options.hasSubscription() && !options.hasAll())) {
        call.destroy(Object.assign(new Error('only $all subscriptions in the test double'), { code: grpc.status.UNIMPLEMENTED }));
        return;
      }
      run!(ctx, call, options).catch((error: Error) => call.destroy(Object.assign(error, { code: grpc.status.INTERNAL })));
    },

    append(call, callback) {
      let options: AppendReq.Options | undefined;
      const events: Proposed[] = [];
      call.on('data', (req: AppendReq) => {
        if (req.hasOptions()) options = req.getOptions();
        const message = req.getProposedMessage();
        if (message) events.push(proposed(message));
      });
      call.on('end', () => {
        if (!options) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'append without options' });
        const outcome = appendWithFaults(ctx, streamName(options.getStreamIdentifier()), appendExpected(options), events);
        if (outcome) callback(null, appendResp(outcome, options));
      });
    },

    batchAppend(call) {
      const pending = new Map<string, { options?: BatchAppendReq.Options; events: Proposed[] }>();
      call.on('data', (req: BatchAppendReq) => {
        const id = req.getCorrelationId()?.getString() ?? '';
        const entry = pending.get(id) ?? { events: [] };
        pending.set(id, entry);
        if (req.hasOptions()) entry.options = req.getOptions();
        entry.events.push(...req.getProposedMessagesList().map(proposed));
        if (!req.getIsFinal() || !entry.options) return;
        pending.delete(id);
        const stream = streamName(entry.options.getStreamIdentifier());
        const outcome = appendWithFaults(ctx, stream, batchExpected(entry.options), entry.events);
        if (outcome) call.write(batchResp(outcome, entry.options, req.getCorrelationId()));
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },

    delete: unimplemented,
    tombstone: unimplemented,
  };
}

/** `undefined` when a fault swallowed the answer (the connections are gone, the client sees UNAVAILABLE). */
function appendWithFaults(ctx: ServerContext, stream: string, expected: Expected, events: Proposed[]): AppendOutcome | undefined {
  ctx.counters.appends++;
  const fault = ctx.takeAppendFault();
  const outcome = fault === 'before-commit' ? undefined : ctx.log.append(stream, expected, events);
  if (!fault) return outcome;
  ctx.dropConnections();
  return undefined;
}

function proposed(message: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage): Proposed {
  const metadata = message.getMetadataMap();
  return {
    id: message.getId()?.getString() ?? randomUUID(),
    type: metadata.get('type') ?? '',
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

function appendExpected(options: AppendReq.Options): Expected {
  if (options.hasRevision()) return BigInt(options.getRevision());
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  return 'any';
}

function batchExpected(options: BatchAppendReq.Options): Expected {
  if (options.hasStreamPosition()) return BigInt(options.getStreamPosition());
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  return 'any';
}

function appendResp(outcome: AppendOutcome, options: AppendReq.Options): AppendResp {
  const resp = new AppendResp();
  if (outcome.ok) {
    const success = new AppendResp.Success();
    if (outcome.revision === undefined) success.setNoStream(new EsEmpty());
    else success.setCurrentRevision(outcome.revision.toString());
    if (outcome.last) success.setPosition(new AppendResp.Position().setCommitPosition(outcome.last.commit.toString()).setPreparePosition(outcome.last.prepare.toString()));
    else success.setNoPosition(new EsEmpty());
    return resp.setSuccess(success);
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.current === undefined) wrong.setCurrentNoStream(new EsEmpty());
  else wrong.setCurrentRevision(outcome.current.toString());
  if (options.hasRevision()) wrong.setExpectedRevision(options.getRevision());
  else if (options.hasNoStream()) wrong.setExpectedNoStream(new EsEmpty());
  else if (options.hasStreamExists()) wrong.setExpectedStreamExists(new EsEmpty());
  else wrong.setExpectedAny(new EsEmpty());
  return resp.setWrongExpectedVersion(wrong);
}

function batchResp(outcome: AppendOutcome, options: BatchAppendReq.Options, correlationId: UUID | undefined): BatchAppendResp {
  const resp = new BatchAppendResp().setCorrelationId(correlationId).setStreamIdentifier(options.getStreamIdentifier());
  if (options.hasStreamPosition()) resp.setStreamPosition(options.getStreamPosition());
  else if (options.hasNoStream()) resp.setNoStream(new Empty());
  else if (options.hasStreamExists()) resp.setStreamExists(new Empty());
  else resp.setAny(new Empty());
  if (outcome.ok) {
    const success = new BatchAppendResp.Success();
    if (outcome.revision === undefined) success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.revision.toString());
    if (outcome.last) success.setPosition(allPosition(outcome.last));
    else success.setNoPosition(new Empty());
    return resp.setSuccess(success);
  }
  // BatchAppend reports a conflict as a google.rpc.Status whose details pack the shared WrongExpectedVersion.
  const wrong = new WrongExpectedVersion();
  if (outcome.current === undefined) wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentStreamRevision(outcome.current.toString());
  if (options.hasStreamPosition()) wrong.setExpectedStreamPosition(options.getStreamPosition());
  else if (options.hasNoStream()) wrong.setExpectedNoStream(new Empty());
  else if (options.hasStreamExists()) wrong.setExpectedStreamExists(new Empty());
  else wrong.setExpectedAny(new Empty());
  const details = new Any();
  details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  return resp.setError(new Status().setCode(Code.FAILED_PRECONDITION).setMessage('Wrong expected version').setDetails(details));
}

export function allPosition(event: StoredEvent): AllStreamPosition {
  return new AllStreamPosition().setCommitPosition(event.commit.toString()).setPreparePosition(event.prepare.toString());
}

export type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>;
