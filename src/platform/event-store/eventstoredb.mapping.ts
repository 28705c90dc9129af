import {
  ANY,
  AppendExpectedRevision,
  CancelledError,
  DeadlineExceededError,
  NO_STREAM,
  NotLeaderError,
  RecordedEvent as EsdbRecordedEvent,
  STREAM_EXISTS,
  TimeoutError,
  UnavailableError,
  UnknownError,
} from '@eventstore/db-client';
import { CorruptEventError, EventMetadata, ExpectedRevision, RecordedEvent, START } from './event-store.port';

/** gRPC status UNAVAILABLE: after a drop the client sometimes rethrows the raw gRPC error instead of its own class. */
const GRPC_UNAVAILABLE = 14;

/**
 * The server could not be reached or dropped the call. `CancelledError` is the client's name for a call that the
 * SERVER cancelled (its own cancellations are filtered out before), which the client itself treats as "reconnect".
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof UnavailableError || error instanceof CancelledError) return true;
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === GRPC_UNAVAILABLE;
}

/**
 * The node cannot take the call now but another attempt soon can, and the call did NOT happen: a node starting or
 * in an election (BatchAppend's "Server Is Not Ready" arrives as an UnknownError naming it), or a follower asked for
 * the leader (NotLeader; the client has already switched its channel to the hinted leader). Safe to retry for any
 * call.
 */
export function isNotReadyOrNotLeader(error: unknown): boolean {
  if (error instanceof NotLeaderError) return true;
  return error instanceof UnknownError && /server is not ready/i.test(error.message);
}

/**
 * The call timed out on the server (prepare/commit/forward timeouts) or its deadline passed: the write may or may
 * not have committed. Only an append whose repetition the server recognises durably (same event ids at an exact
 * expected revision or `no_stream`) may be retried.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return error instanceof DeadlineExceededError || error instanceof TimeoutError;
}

export interface BackoffOptions {
  /** First wait after a failure; doubles per attempt. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** Exponential backoff with jitter, so that many clients dropped together do not reconnect in lockstep. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 5000;
  const delay = Math.min(max, initial * 2 ** Math.min(attempt, 20));
  return delay / 2 + Math.random() * (delay / 2);
}

export function isSystemEventType(type: string): boolean {
  return type.startsWith('$');
}

/**
 * The server's own conventions (`$by_correlation_id` reads `$correlationId`) are written next to ours, so the
 * server-side projections work; they are taken off again on read so an event reads back as it was written.
 */
export function toWireMetadata(metadata: EventMetadata = {}): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...metadata };
  if (metadata.correlationId !== undefined) wire.$correlationId = metadata.correlationId;
  if (metadata.causationId !== undefined) wire.$causationId = metadata.causationId;
  return wire;
}

function fromWireMetadata(raw: unknown): EventMetadata {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array) return {};
  const { $correlationId, $causationId, ...metadata } = raw as Record<string, unknown>;
  if ($correlationId !== undefined && $correlationId !== metadata.correlationId) metadata.$correlationId = $correlationId;
  if ($causationId !== undefined && $causationId !== metadata.causationId) metadata.$causationId = $causationId;
  return metadata;
}

export function toRecorded(event: EsdbRecordedEvent): RecordedEvent {
  // The client does not fail on malformed JSON: it hands out the raw text as data, or the raw bytes as metadata.
  // This service writes JSON objects only, so either is an event that cannot be read (as on the SQLite store).
  const at = { stream: event.streamId, revision: event.revision, eventId: event.id, position: event.position ?? START };
  if (event.isJson && (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)))
    throw new CorruptEventError(at, 'its data is not a JSON object');
  if (event.metadata instanceof Uint8Array && event.metadata.length > 0) throw new CorruptEventError(at, 'its metadata is not JSON');
  return {
    id: event.id,
    streamName: event.streamId,
    type: event.type,
    // This service writes JSON only; a binary event written by someone else keeps its bytes rather than vanish.
    data: event.isJson ? (event.data as Record<string, unknown>) : { $binary: Buffer.from(event.data).toString('base64') },
    metadata: fromWireMetadata(event.metadata),
    revision: event.revision,
    // The server always sends both halves (proto3 fields); START only satisfies the client's optional type.
    position: event.position ?? START,
    created: event.created,
  };
}

export function toClientRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return expected;
}

/** Connection strings may carry `user:password@`; messages and logs get the user only. */
export function maskPassword(connectionString: string): string {
  return connectionString.replace(/^([a-z+]+:\/\/[^:@/]+:)[^@/]*@/i, '$1***@');
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
