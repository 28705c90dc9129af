import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import { IServerFeaturesServer } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import {
  AllStreamPosition,
  Empty as EsEmpty,
  MaximumAppendSizeExceeded,
  StreamDeleted,
  Timeout,
  UUID,
  WrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { IStreamsServer } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  DeleteReq,
  DeleteResp,
  ReadReq,
  ReadResp,
  TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb';
import { AppendOutcome, EventLog, Expected, Proposed, StoredEvent } from './log';
import { readAll, readStream, streamName, subscribeToAll } from './reads';

/**
 * A fault a test asks for; each is consumed by the next call it applies to (`times` calls, default 1).
 * - `disconnect`: the append's connection dies and it is never answered; `commit` says whether it was written first.
 * - `not-ready`: a node starting or in an election. BatchAppend answers an error status with no known details (the
 *   client raises `UnknownError("Could not recognize Server Is Not Ready")`), Append answers UNAVAILABLE.
 * - `timeout`: the prepare/commit timeout; Append answers ABORTED (`TimeoutError`), BatchAppend a `Timeout` status
 *   (`DeadlineExceededError`). `commit`: the write still lands, as it may on the server.
 * - `deadline`: the call's deadline passed; Append answers DEADLINE_EXCEEDED, BatchAppend a `Timeout` status.
 * - `not-leader`: the next call that carries `requires-leader` (reads, appends) answers NotLeader with a hint that
 *   points back at this server, so the client reconnects "to the leader".
 * - `slow-replication`: the append times out and commits only after `windowMs`; an append to the same stream
 *   arriving in that window (a fast retry) is dropped and times out too.
 */
export type Fault =
  | { readonly kind: 'disconnect'; readonly commit: boolean; readonly times?: number }
  | { readonly kind: 'not-ready'; readonly times?: number }
  | { readonly kind: 'timeout' | 'deadline'; readonly commit: boolean; readonly times?: number }
  | { readonly kind: 'not-leader'; readonly times?: number }
  | { readonly kind: 'slow-replication'; readonly windowMs: number; readonly times?: number };

/** What the wire handlers need from the process around them: the log, and the faults a test has asked for. */
export interface ServerContext {
  /** Replaced by a restart that loses data. */
  log: EventLog;
  readonly batchAppend: boolean;
  /** `port`: what a NotLeader hint points at. */
  readonly port: () => number;
  /** The first queued fault that applies to this call, consumed. */
  takeFault(call: 'append' | 'read', requiresLeader: boolean): Fault | undefined;
  dropConnections(): void;
  readonly counters: { appends: number; subscriptions: number; faults: number };
  /** Streams whose slow-replication window is open: appends to them are dropped until it closes. */
  readonly replicating: Set<string>;
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
  return {
    read(call) {
      const options = call.request.getOptions();
      const run = !options ? undefined : options.hasSubscription() ? subscribeToAll : options.hasStream() ? readStream : readAll;
      if (!options || (options.hasSubscription() && !options.hasAll())) {
        call.destroy(Object.assign(new Error('only $all subscriptions in the test double'), { code: grpc.status.UNIMPLEMENTED }));
        return;
      }
      if (ctx.takeFault('read', requiresLeader(call.metadata))) {
        ctx.counters.faults++;
        return void call.emit('error', notLeader(ctx));
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
        const outcome = appendWithFaults(
          ctx,
          streamName(options.getStreamIdentifier()),
          appendExpected(options),
          events,
          requiresLeader(call.metadata),
        );
        if (!outcome) return;
        if ('fault' in outcome) return callback(unaryFault(ctx, outcome.fault));
        if (!outcome.ok && 'tooLarge' in outcome) return callback(tooLargeError(outcome.tooLarge));
        if (!outcome.ok && 'deleted' in outcome) return callback(deletedError(streamName(options.getStreamIdentifier())));
        callback(null, appendResp(outcome, options));
      });
    },

    batchAppend(call) {
      const leader = requiresLeader(call.metadata);
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
        const outcome = appendWithFaults(ctx, stream, batchExpected(entry.options), entry.events, leader);
        if (!outcome) return;
        // NotLeader fails the whole BatchAppend call (the client rejects every pending append and reconnects).
        if ('fault' in outcome && outcome.fault === 'not-leader') return void call.emit('error', notLeader(ctx));
        call.write(batchResp(outcome, entry.options, req.getCorrelationId()));
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },

    delete(call, callback) {
      const options = call.request.getOptions()!;
      callback(
        ...deletion(
          ctx,
          'delete',
          options,
          (position) => new DeleteResp().setPosition(position),
          () => new DeleteResp().setNoPosition(new EsEmpty()),
        ),
      );
    },
    tombstone(call, callback) {
      const options = call.request.getOptions()!;
      callback(
        ...deletion(
          ctx,
          'tombstone',
          options,
          (position) => new TombstoneResp().setPosition(position),
          () => new TombstoneResp().setNoPosition(new EsEmpty()),
        ),
      );
    },
  };
}

type DeletionOptions = DeleteReq.Options | TombstoneReq.Options;
function deletion<R>(
  ctx: ServerContext,
  kind: 'delete' | 'tombstone',
  options: DeletionOptions,
  withPosition: (p: DeleteResp.Position) => R,
  withoutPosition: () => R,
): [grpc.ServiceError | null, R?] {
  const stream = streamName(options.getStreamIdentifier());
  const expected: Expected = options.hasRevision()
    ? BigInt(options.getRevision())
    : options.hasNoStream()
      ? 'no_stream'
      : options.hasStreamExists()
        ? 'stream_exists'
        : 'any';
  const outcome = kind === 'delete' ? ctx.log.delete(stream, expected) : ctx.log.tombstone(stream, expected);
  if (!outcome.ok && 'deleted' in outcome) return [deletedError(stream)];
  if (!outcome.ok && 'current' in outcome) {
    const metadata = new grpc.Metadata();
    metadata.set('exception', 'wrong-expected-version');
    metadata.set('stream-name', stream);
    metadata.set('expected-version', String(expected));
    metadata.set('actual-version', outcome.current === undefined ? '-1' : outcome.current.toString());
    return [
      Object.assign(new Error('Wrong expected version'), {
        code: grpc.status.FAILED_PRECONDITION,
        details: 'Wrong expected version',
        metadata,
      }),
    ];
  }
  const last = outcome.ok ? outcome.last : undefined;
  return [
    null,
    last
      ? withPosition(new DeleteResp.Position().setCommitPosition(last.commit.toString()).setPreparePosition(last.prepare.toString()))
      : withoutPosition(),
  ];
}

type FaultyOutcome = AppendOutcome | { readonly fault: Fault['kind'] };

/**
 * Applies the fault queued for this append, if any. `undefined` when the answer is swallowed (the connections are
 * gone, the client sees UNAVAILABLE); `{ fault }` when the server answers with that fault's error.
 */
function appendWithFaults(
  ctx: ServerContext,
  stream: string,
  expected: Expected,
  events: Proposed[],
  leader: boolean,
): FaultyOutcome | undefined {
  ctx.counters.appends++;
  const log = ctx.log;
  if (ctx.replicating.has(stream)) {
    // A fast retry while the original is still being replicated: the server drops it, the client times out.
    ctx.counters.faults++;
    return { fault: 'timeout' };
  }
  const fault = ctx.takeFault('append', leader);
  if (!fault) return log.append(stream, expected, events);
  ctx.counters.faults++;
  switch (fault.kind) {
    case 'disconnect':
      if (fault.commit) log.append(stream, expected, events);
      ctx.dropConnections();
      return undefined;
    case 'timeout':
    case 'deadline':
      if (fault.commit) log.append(stream, expected, events);
      return { fault: fault.kind };
    case 'slow-replication':
      ctx.replicating.add(stream);
      setTimeout(() => {
        ctx.replicating.delete(stream);
        log.append(stream, expected, events);
      }, fault.windowMs);
      return { fault: 'timeout' };
    default:
      return { fault: fault.kind };
  }
}

function requiresLeader(metadata: grpc.Metadata): boolean {
  return metadata.get('requires-leader').some((v) => String(v) === 'true');
}

function notLeader(ctx: ServerContext): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'not-leader');
  metadata.set('leader-endpoint-host', '127.0.0.1');
  metadata.set('leader-endpoint-port', String(ctx.port()));
  return Object.assign(new Error('Leader info available'), { code: grpc.status.NOT_FOUND, details: 'Leader info available', metadata });
}

function tooLargeError(max: number): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'maximum-append-size-exceeded');
  metadata.set('maximum-append-size', String(max));
  return Object.assign(new Error(`Maximum Append Size of ${max} Exceeded.`), {
    code: grpc.status.INVALID_ARGUMENT,
    details: `Maximum Append Size of ${max} Exceeded.`,
    metadata,
  });
}

function deletedError(stream: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'stream-deleted');
  metadata.set('stream-name', stream);
  return Object.assign(new Error(`Event stream '${stream}' is deleted.`), {
    code: grpc.status.FAILED_PRECONDITION,
    details: `Event stream '${stream}' is deleted.`,
    metadata,
  });
}

/** The unary Append path's answer to a fault. */
function unaryFault(ctx: ServerContext, kind: Fault['kind']): grpc.ServiceError {
  const error = (code: grpc.status, details: string) => Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
  switch (kind) {
    case 'not-ready':
      return error(grpc.status.UNAVAILABLE, 'Server Is Not Ready');
    case 'timeout':
    case 'slow-replication':
      return error(grpc.status.ABORTED, 'Operation timed out');
    case 'deadline':
      return error(grpc.status.DEADLINE_EXCEEDED, 'Deadline Exceeded');
    case 'not-leader':
      return notLeader(ctx);
    default:
      return error(grpc.status.INTERNAL, kind);
  }
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
    if (outcome.last)
      success.setPosition(
        new AppendResp.Position().setCommitPosition(outcome.last.commit.toString()).setPreparePosition(outcome.last.prepare.toString()),
      );
    else success.setNoPosition(new EsEmpty());
    return resp.setSuccess(success);
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  const current = 'current' in outcome ? outcome.current : undefined;
  if (current === undefined) wrong.setCurrentNoStream(new EsEmpty());
  else wrong.setCurrentRevision(current.toString());
  if (options.hasRevision()) wrong.setExpectedRevision(options.getRevision());
  else if (options.hasNoStream()) wrong.setExpectedNoStream(new EsEmpty());
  else if (options.hasStreamExists()) wrong.setExpectedStreamExists(new EsEmpty());
  else wrong.setExpectedAny(new EsEmpty());
  return resp.setWrongExpectedVersion(wrong);
}

function batchResp(outcome: FaultyOutcome, options: BatchAppendReq.Options, correlationId: UUID | undefined): BatchAppendResp {
  const resp = new BatchAppendResp().setCorrelationId(correlationId).setStreamIdentifier(options.getStreamIdentifier());
  if (options.hasStreamPosition()) resp.setStreamPosition(options.getStreamPosition());
  else if (options.hasNoStream()) resp.setNoStream(new Empty());
  else if (options.hasStreamExists()) resp.setStreamExists(new Empty());
  else resp.setAny(new Empty());
  const status = (code: number, message: string, details: Any) =>
    resp.setError(new Status().setCode(code).setMessage(message).setDetails(details));
  if ('fault' in outcome) {
    if (outcome.fault === 'not-ready') return status(Code.UNAVAILABLE, 'Server Is Not Ready', new Any());
    const timeout = new Any();
    timeout.pack(new Timeout().serializeBinary(), 'event_store.client.Timeout');
    return status(Code.DEADLINE_EXCEEDED, 'Timeout', timeout);
  }
  if (!outcome.ok && 'tooLarge' in outcome) {
    const details = new Any();
    details.pack(
      new MaximumAppendSizeExceeded().setMaxappendsize(outcome.tooLarge).serializeBinary(),
      'event_store.client.MaximumAppendSizeExceeded',
    );
    return status(Code.INVALID_ARGUMENT, 'Maximum Append Size Exceeded', details);
  }
  if (!outcome.ok && 'deleted' in outcome) {
    const details = new Any();
    details.pack(
      new StreamDeleted().setStreamIdentifier(options.getStreamIdentifier()).serializeBinary(),
      'event_store.client.StreamDeleted',
    );
    return status(Code.FAILED_PRECONDITION, 'Stream Deleted', details);
  }
  if (outcome.ok) {
    const success = new BatchAppendResp.Success();
    if (outcome.revision === undefined) success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.revision.toString());
    if (outcome.last) success.setPosition(allPosition(outcome.last));
    else success.setNoPosition(new Empty());
    return resp.setSuccess(success);
  }
  // BatchAppend reports a conflict as a google.rpc.Status (code ALREADY_EXISTS, as the server sends it) whose
  // details pack the shared WrongExpectedVersion.
  const wrong = new WrongExpectedVersion();
  const current = 'current' in outcome ? outcome.current : undefined;
  if (current === undefined) wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentStreamRevision(current.toString());
  if (options.hasStreamPosition()) wrong.setExpectedStreamPosition(options.getStreamPosition());
  else if (options.hasNoStream()) wrong.setExpectedNoStream(new Empty());
  else if (options.hasStreamExists()) wrong.setExpectedStreamExists(new Empty());
  else wrong.setExpectedAny(new Empty());
  const details = new Any();
  details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  return status(Code.ALREADY_EXISTS, 'Wrong expected version', details);
}

export function allPosition(event: StoredEvent): AllStreamPosition {
  return new AllStreamPosition().setCommitPosition(event.commit.toString()).setPreparePosition(event.prepare.toString());
}

export type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>;
