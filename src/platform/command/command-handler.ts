import { eventHash, lastHash } from '../event-store/hash-chain';
import { DomainError } from './domain-error';
import { KeyedLock } from './keyed-lock';
import { deterministicEventId } from '../event-store/event-ids';
import { AppendResult, EventMetadata, EventStore, NewEvent, RecordedEvent, START, WrongExpectedVersionError } from '../event-store/event-store.port';
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

export interface CommandOptions {
  /**
   * Optimistic concurrency that reaches the client (HTTP If-Match): the command runs only while the stream's
   * last revision is one of these. Checked on every attempt, so a writer that wins a race makes this a 412.
   */
  readonly ifRevisionIn?: readonly bigint[];
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

/**
 * The whole command path: read the stream, fold it, decide, append at the revision that was read. A conflict
 * means another writer got there first (another instance, on EventStoreDB): read again and decide again, since
 * the decision may change. Event ids derive from the command id so that a retry after an unknown outcome of
 * the same attempt writes nothing twice. Each event extends the stream's hash chain (see audit/hash-chain.ts).
 * Events record the command id as their causation id; a stream that already holds events caused by this
 * command id gets nothing new, and the outcome is those events (see `commandContext`: a request with an
 * Idempotency-Key has a command id derived from the key, so its retry is this case).
 */
export async function handleCommand<Command, State, Event extends { type: string; data: unknown }>(
  store: EventStore,
  lock: KeyedLock,
  stream: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  context: { commandId: string; metadata: EventMetadata },
  options: CommandOptions = {},
): Promise<CommandOutcome<State, Event>> {
  return lock.run(stream, async () => {
    for (let attempt = 1; ; attempt++) {
      const history = await store.readStream(stream);
      const state = foldStream(decider, history);
      // This very command ran before (a keyed request retried after a crash): answer what it wrote, write nothing.
      const earlier = history.filter((e) => e.metadata.causationId === context.commandId);
      if (earlier.length) {
        const last = earlier[earlier.length - 1];
        const events = earlier.map((e) => ({ type: e.type, data: e.data }) as unknown as Event);
        return { events, state, result: { nextExpectedRevision: last.revision, position: last.position } };
      }
      assertPrecondition(stream, history, options.ifRevisionIn);
      const events = decider.decide(command, state);
      if (events.length === 0) {
        // Nothing happened: write nothing, and point read-your-writes at what the stream already holds.
        const last = history[history.length - 1];
        return { events, state, result: { nextExpectedRevision: last?.revision ?? -1n, position: last?.position ?? START } };
      }
      const expectedRevision = history.length ? history[history.length - 1].revision : 'no_stream';
      const chain = (decided: readonly Event[]): NewEvent[] => {
        let previousHash = lastHash(history);
        return decided.map((e, i) => {
          const id = deterministicEventId(`${context.commandId}@${String(expectedRevision)}`, i);
          const revision = BigInt(history.length + i);
          const data = e.data as Record<string, unknown>;
          previousHash = eventHash(previousHash, { streamName: stream, revision, id, type: e.type, data, metadata: context.metadata });
          return { id, type: e.type, data, metadata: { ...context.metadata, hash: previousHash } };
        });
      };
      try {
        const sequence = options.numbering?.sequenceOf(events);
        if (sequence === undefined) {
          const result = await store.append(stream, chain(events), { expectedRevision });
          return { events, result, state: events.reduce(decider.evolve, state) };
        }
        let stamped = events;
        const build = (number: number) => chain((stamped = options.numbering!.stamp(events, number) as Event[]));
        const result = await appendNumbered(store, stream, { sequence, build }, { expectedRevision }, { ...context, lock });
        // The store held these very events already (a retry of this command): the next attempt answers them.
        if (result.number === undefined) continue;
        return { events: stamped, result, state: stamped.reduce(decider.evolve, state) };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  });
}

function assertPrecondition(stream: string, history: readonly { revision: bigint }[], allowed: readonly bigint[] | undefined): void {
  if (allowed === undefined) return;
  const current = history.length ? history[history.length - 1].revision : undefined;
  if (current !== undefined && allowed.includes(current)) return;
  throw new DomainError('precondition_failed', `${stream} changed since it was read: it is now at revision ${current ?? 'none'}; read it again and retry`, {
    current_etag: current === undefined ? null : `"${current}"`,
  });
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
