import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { StoredEvent } from './log';
import type { ReadCall, ServerContext } from './services';

/** Every read and every catch-up subscription is one server-streaming `Streams/Read` call. */
type Options = ReadReq.Options;
const { ReadDirection } = ReadReq.Options;
const AllOptionCase = ReadReq.Options.AllOptions.AllOptionCase;
const RevisionCase = ReadReq.Options.StreamOptions.RevisionOptionCase;

export async function readStream(ctx: ServerContext, call: ReadCall, options: Options): Promise<void> {
  const stream = options.getStream()!;
  const name = streamName(stream.getStreamIdentifier());
  const events = ctx.log.stream(name);
  if (events === 'deleted') {
    // A tombstoned stream: an error status the client raises as StreamDeletedError.
    const metadata = new grpc.Metadata();
    metadata.set('exception', 'stream-deleted');
    metadata.set('stream-name', name);
    call.emit('error', { code: grpc.status.FAILED_PRECONDITION, details: `Event stream '${name}' is deleted.`, metadata });
    return;
  }
  if (!events) {
    // Not an error status: the client turns this message into StreamNotFoundError while iterating.
    const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(stream.getStreamIdentifier());
    call.write(new ReadResp().setStreamNotFound(notFound));
    return void call.end();
  }
  // `events` is what the stream's metadata leaves visible; positions in a stream are revisions, not indexes.
  const count = readCount(options);
  const revisionCase = stream.getRevisionOptionCase();
  let selected: readonly StoredEvent[];
  if (options.getReadDirection() === ReadDirection.BACKWARDS) {
    const from =
      revisionCase === RevisionCase.REVISION ? BigInt(stream.getRevision()) : revisionCase === RevisionCase.START ? 0n : undefined;
    selected = events
      .filter((e) => from === undefined || e.revision <= from)
      .reverse()
      .slice(0, count);
  } else {
    const from = revisionCase === RevisionCase.REVISION ? BigInt(stream.getRevision()) : revisionCase === RevisionCase.END ? undefined : 0n;
    selected = from === undefined ? [] : events.filter((e) => e.revision >= from).slice(0, count);
  }
  await sendAll(call, selected, matcher(options));
}

/** A read of `$all` from a position INCLUDES the event at that position, as on the real server. */
export async function readAll(ctx: ServerContext, call: ReadCall, options: Options): Promise<void> {
  const all = options.getAll()!;
  const log = ctx.log.all;
  const count = readCount(options);
  const at = all.getAllOptionCase() === AllOptionCase.POSITION ? positionOf(all.getPosition()!) : undefined;
  let selected: readonly StoredEvent[];
  if (options.getReadDirection() === ReadDirection.BACKWARDS) {
    const end = at ? ctx.log.indexOf(at, true) : all.getAllOptionCase() === AllOptionCase.START ? 0 : log.length;
    selected = log.slice(Math.max(0, end - count), end).reverse();
  } else {
    const start = at ? ctx.log.indexOf(at, true) : all.getAllOptionCase() === AllOptionCase.END ? log.length : 0;
    selected = log.slice(start, start + count);
  }
  const matches = matcher(options);
  await sendAll(call, selected.filter(matches).slice(0, count), () => true);
}

/**
 * Catch-up subscription to `$all`: confirmation, the past strictly AFTER the start position, `caughtUp`, then live
 * events as they are appended. With a filter, a checkpoint every `checkpointInterval × 32` scanned events.
 * Writes wait for `drain`, so a slow client holds the server back instead of growing a buffer.
 */
export async function subscribeToAll(ctx: ServerContext, call: ReadCall, options: Options): Promise<void> {
  ctx.counters.subscriptions++;
  const all = options.getAll()!;
  const log = ctx.log;
  let index =
    all.getAllOptionCase() === AllOptionCase.POSITION
      ? log.indexOf(positionOf(all.getPosition()!), false)
      : all.getAllOptionCase() === AllOptionCase.END
        ? log.all.length
        : 0;
  const matches = matcher(options);
  const checkpointEvery = options.hasFilter() ? Math.max(1, options.getFilter()!.getCheckpointintervalmultiplier()) * 32 : 0;
  let wake: (() => void) | undefined;
  const onAppended = () => wake?.();
  const onCancelled = () => wake?.();
  log.on('appended', onAppended);
  call.on('cancelled', onCancelled);
  try {
    if (!(await send(call, new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())))))
      return;
    let caughtUp = false;
    let scanned = 0;
    while (!call.cancelled) {
      if (index < log.all.length) {
        const event = log.all[index++];
        scanned++;
        if (matches(event) && !(await send(call, eventResp(event)))) return;
        if (checkpointEvery && scanned % checkpointEvery === 0) {
          const checkpoint = new ReadResp.Checkpoint()
            .setCommitPosition(event.commit.toString())
            .setPreparePosition(event.prepare.toString());
          if (!(await send(call, new ReadResp().setCheckpoint(checkpoint)))) return;
        }
        if (scanned % 256 === 0) await new Promise((resolve) => setImmediate(resolve)); // let control messages in
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        if (!(await send(call, new ReadResp().setCaughtUp(new ReadResp.CaughtUp())))) return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    log.off('appended', onAppended);
    call.off('cancelled', onCancelled);
  }
}

export function eventResp(event: StoredEvent): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(event.id))
    .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(event.stream, 'utf8')))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.commit.toString())
    .setPreparePosition(event.prepare.toString())
    .setData(event.data)
    .setCustomMetadata(event.metadata);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.commit.toString()));
}

/** Resolves false when the call is gone (cancelled by the client or a dropped connection). */
function send(call: ReadCall, message: ReadResp): Promise<boolean> {
  if (call.cancelled) return Promise.resolve(false);
  if (call.write(message)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      call.off('drain', onDrain);
      call.off('cancelled', onCancel);
      resolve(ok);
    };
    const onDrain = done(true);
    const onCancel = done(false);
    call.once('drain', onDrain);
    call.once('cancelled', onCancel);
  });
}

async function sendAll(call: ReadCall, events: readonly StoredEvent[], matches: (e: StoredEvent) => boolean): Promise<void> {
  for (const event of events) if (matches(event) && !(await send(call, eventResp(event)))) return;
  call.end();
}

function readCount(options: Options): number {
  const count = BigInt(options.getCount() || '0');
  return count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
}

function positionOf(position: ReadReq.Options.Position): { commit: bigint; prepare: bigint } {
  return { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) };
}

export function streamName(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

/** Server-side filter on event type or stream name, by regex and/or prefixes (`excludeSystemEvents` is a regex). */
function matcher(options: Options): (event: StoredEvent) => boolean {
  const filter = options.getFilter();
  if (!filter) return () => true;
  const byType = filter.hasEventType();
  const expression = byType ? filter.getEventType()! : filter.getStreamIdentifier()!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const prefixes = expression.getPrefixList();
  return (event) => {
    const value = byType ? event.type : event.stream;
    return (!regex || regex.test(value)) && (prefixes.length === 0 || prefixes.some((p) => value.startsWith(p)));
  };
}
