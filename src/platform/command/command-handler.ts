import { Logger } from '@nestjs/common';
import { ChainKey, GENESIS_HASH, checkLink, isKeyed, keyedLink, lastHash } from '../event-store/hash-chain';
import { DomainError } from './domain-error';
import { KeyedLock } from './keyed-lock';
import { contextOfMetadata, inSpan, traceMetadataOf } from '../ops/trace-context';
import { deterministicEventId } from '../event-store/event-ids';
import {
  AppendResult,
  EventMetadata,
  EventStore,
  NewEvent,
  RecordedEvent,
  START,
  StreamDeletedError,
  WrongExpectedVersionError,
} from '../event-store/event-store.port';
import { appendNumbered } from '../event-store/sequences';

export interface Decider<Command, State, Event extends { type: string; data: unknown }> {
  readonly initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export interface CommandOutcome<State, Event> {
  readonly events: Event[];
  readonly state: State;
  readonly result: AppendResult;
}

export interface CommandOptions<State = unknown, Event = unknown> {
  /**
   * Optimistic concurrency that reaches the client (HTTP If-Match): the command runs only while the stream's
   * last revision is one of these. Checked on every attempt, so a writer that wins a race makes this a 412.
   */
  readonly ifRevisionIn?: readonly bigint[];
  /**
   * A last look at a decision before it is appended, for what the decider cannot know (a limit of another
   * stream's store, say): throwing refuses the command with nothing written.
   */
  readonly vet?: (events: readonly Event[], state: State) => void;
  /** Events that take a number from a sequence when they are written (an aggregate's `numbering`). */
  readonly numbering?: Numbering<any>;
}

/**
 * Numbers decided when events are written (a ticket's readable number): the decider decides without the
 * number, the store gives it inside the append (see `appendNumbered`), and `stamp` writes it into the events
 * before they are hashed and stored.
 */
export interface Numbering<Event> {
  /** The sequence the decided events take a number from, or undefined when they take none. */
  sequenceOf(events: readonly Event[]): string | undefined;
  /** The events with `number` written in. Pure and cheap: on the embedded store it runs inside the transaction. */
  stamp(events: readonly Event[], number: number): Event[];
}

const MAX_ATTEMPTS = 5;
/** First pause after a conflict, doubled per attempt with jitter: racing writers (instances) do not retry in lockstep. */
const CONFLICT_BACKOFF_MS = 10;

export function conflictBackoffMs(attempt: number): number {
  const delay = CONFLICT_BACKOFF_MS * 2 ** (attempt - 1);
  return delay / 2 + Math.random() * (delay / 2);
}

/**
 * The stream's last event is not the link its chain says it should be (altered, or written around the command
 * path, or an event before it removed): a write would extend, and so vouch for, a chain that no longer holds.
 * The write is refused (503 `urn:lead:problem:stream-integrity`) until an operator has looked at the stream.
 */
export class BrokenChainError extends Error {
  constructor(
    readonly stream: string,
    readonly revision: bigint,
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`${stream} cannot take writes: its hash chain is broken at revision ${revision} (event ${eventId}): ${reason}`);
  }
}

const logger = new Logger('CommandHandler');

/**
 * Checks the one link a write extends: the last event's stored hash against the hash recomputed over the
 * event before it (with the shared `checkLink`). One hash per command, so the whole stream is not walked;
 * `audit:verify` and the audit route walk it all.
 */
function assertChainTail(stream: string, history: readonly RecordedEvent[], chain: ChainKey): void {
  if (history.length === 0) return;
  const last = history[history.length - 1];
  const before = history.length > 1 ? history[history.length - 2].metadata.hash : GENESIS_HASH;
  const keyedBefore = history.slice(0, -1).some(isKeyed);
  const reason = checkLink(last, BigInt(history.length - 1), typeof before === 'string' ? before : '', { key: chain.key, keyedBefore });
  if (reason === undefined) return;
  const error = new BrokenChainError(stream, last.revision, last.id, reason);
  logger.error(`${error.message}; the write was refused. Check the store with npm run audit:verify`);
  throw error;
}

/**
 * The whole command path: read the stream, fold it, decide, append at the revision that was read. A conflict
 * means another writer got there first (another instance, on EventStoreDB): read again and decide again, since
 * the decision may change. Event ids derive from the command id so that a retry after an unknown outcome of
 * the same attempt writes nothing twice. Each event extends the stream's keyed hash chain (see audit/hash-chain.ts).
 * Events record the command id as their causation id; a stream that already holds events caused by this
 * command id gets nothing new, and the outcome is those events (see `commandContext`: a request with an
 * Idempotency-Key has a command id derived from the key, so its retry is this case).
 * Traced as one span, `command <kind>`: a child of the trace the metadata names (work caused by an event
 * continues the event's trace), else of the active one (the request); the events record this span as their
 * `traceparent`, so what they cause in turn continues here.
 */
export async function handleCommand<Command, State, Event extends { type: string; data: unknown }>(
  store: EventStore,
  lock: KeyedLock,
  chain: ChainKey,
  stream: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  context: { commandId: string; metadata: EventMetadata },
  options: CommandOptions<State, Event> = {},
): Promise<CommandOutcome<State, Event>> {
  const kind = typeof (command as { kind?: unknown }).kind === 'string' ? (command as { kind: string }).kind : 'unknown';
  const attributes = { 'lead.command.kind': kind, 'lead.command.id': context.commandId, 'lead.stream': stream };
  // A refusal (DomainError, a 4xx) is the command's answer, not a failure of the service.
  const expected = (error: unknown) => error instanceof DomainError;
  return inSpan(`command ${kind}`, { attributes, parent: contextOfMetadata(context.metadata), expected }, (span) =>
    lock.run(stream, async () => {
      const metadata = { ...context.metadata, ...traceMetadataOf(span) };
      const outcome = (name: 'appended' | 'replayed' | 'unchanged', attempts: number, events: number) =>
        span.setAttributes({ 'lead.command.outcome': name, 'lead.command.attempts': attempts, 'lead.command.events': events });
      let conflictedWith: bigint | undefined;
      for (let attempt = 1; ; attempt++) {
        const history = await store.readStream(stream);
        assertWholeHistory(stream, history, conflictedWith);
        assertChainTail(stream, history, chain);
        const state = foldStream(decider, history);
        // This very command ran before (a keyed request retried after a crash): answer what it wrote, write nothing.
        const earlier = history.filter((e) => e.metadata.causationId === context.commandId);
        if (earlier.length) {
          const last = earlier[earlier.length - 1];
          const events = earlier.map((e) => ({ type: e.type, data: e.data }) as unknown as Event);
          outcome('replayed', attempt, 0);
          return { events, state, result: { nextExpectedRevision: last.revision, position: last.position } };
        }
        assertPrecondition(stream, history, options.ifRevisionIn);
        const events = decider.decide(command, state);
        options.vet?.(events, state);
        if (events.length === 0) {
          // Nothing happened: write nothing, and point read-your-writes at what the stream already holds.
          const last = history[history.length - 1];
          outcome('unchanged', attempt, 0);
          return { events, state, result: { nextExpectedRevision: last?.revision ?? -1n, position: last?.position ?? START } };
        }
        const expectedRevision = history.length ? history[history.length - 1].revision : 'no_stream';
        const link = (decided: readonly Event[]): NewEvent[] => {
          let previousHash = lastHash(history);
          const plain = decided.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata }));
          // Personal fields sealed first (src/platform/privacy), so the links below hash what is stored.
          const stored = store.sealPersonalData ? store.sealPersonalData(stream, BigInt(history.length), plain, history) : plain;
          return stored.map((e, i) => {
            const id = deterministicEventId(`${context.commandId}@${String(expectedRevision)}`, i);
            const revision = BigInt(history.length + i);
            // Keyed at write time (scheme 2): one HMAC per event, so a row added without the key never verifies.
            const linked = keyedLink(chain, previousHash, {
              streamName: stream,
              revision,
              id,
              type: e.type,
              data: e.data,
              metadata: e.metadata,
            });
            previousHash = linked.hash as string;
            return { id, type: e.type, data: e.data, metadata: linked };
          });
        };
        try {
          const sequence = options.numbering?.sequenceOf(events);
          if (sequence === undefined) {
            const result = await store.append(stream, link(events), { expectedRevision });
            outcome('appended', attempt, events.length);
            return { events, result, state: events.reduce(decider.evolve, state) };
          }
          // The number is decided inside the append (gapless on the embedded store), stamped into the events
          // before they are linked into the chain, so the chain covers it.
          let stamped = events;
          const build = (number: number) => link((stamped = options.numbering!.stamp(events, number) as Event[]));
          const result = await appendNumbered(store, stream, { sequence, build }, { expectedRevision }, { ...context, lock, chain });
          // The store held these very events already (a retry of this command): the next attempt answers them.
          if (result.number === undefined) continue;
          outcome('appended', attempt, events.length);
          return { events: stamped, result, state: stamped.reduce(decider.evolve, state) };
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_ATTEMPTS) throw error;
          conflictedWith = error.actual;
          await new Promise((resolve) => setTimeout(resolve, conflictBackoffMs(attempt)));
        }
      }
    }),
  );
}

/**
 * The state and the hash chain are folded from the WHOLE stream, and the next revision is the count of events
 * read. A stream truncated by metadata (`$tb`, `$maxCount`, `$maxAge`) reads from a later revision, and a
 * soft-deleted one reads as empty although the store holds revisions (an append then conflicts with an existing
 * revision while the stream still reads empty). The service never sets such metadata on its streams; when an
 * operator did, it refuses rather than decide on a partial history.
 */
function assertWholeHistory(stream: string, history: readonly { revision: bigint }[], conflictedWith: bigint | undefined): void {
  if (history.length === 0 && conflictedWith !== undefined) throw new StreamDeletedError(stream, 'deleted');
  if (history.length > 0 && history[0].revision !== 0n) throw new StreamDeletedError(stream, 'truncated');
  if (history.length > 0 && history[history.length - 1].revision !== BigInt(history.length - 1))
    throw new StreamDeletedError(stream, 'truncated');
}

function assertPrecondition(stream: string, history: readonly { revision: bigint }[], allowed: readonly bigint[] | undefined): void {
  if (allowed === undefined) return;
  const current = history.length ? history[history.length - 1].revision : undefined;
  if (current !== undefined && allowed.includes(current)) return;
  throw new DomainError(
    'precondition_failed',
    `${stream} changed since it was read: it is now at revision ${current ?? 'none'}; read it again and retry`,
    {
      current_etag: current === undefined ? null : `"${current}"`,
    },
  );
}

/**
 * Folds events read back from the store. The one place where a stored event is taken as the decider's event
 * type: the store keeps the type string and the data as they were appended, and every `evolve` leaves a type
 * it does not know alone.
 */
export function foldStream<State, Event extends { type: string; data: unknown }>(
  decider: Pick<Decider<unknown, State, Event>, 'initialState' | 'evolve'>,
  events: readonly RecordedEvent[],
): State {
  return events.reduce((state, e) => decider.evolve(state, e as unknown as Event), decider.initialState);
}
