import { KeyedLock } from '../common/keyed-lock';
import { deterministicEventId } from './event-ids';
import { AppendResult, EventMetadata, EventStore, WrongExpectedVersionError } from './event-store.port';

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

const MAX_ATTEMPTS = 5;

/**
 * The whole command path: read the stream, fold it, decide, append at the revision that was read. A conflict
 * means another writer got there first (another instance, on EventStoreDB): read again and decide again, since
 * the decision may change. Event ids derive from the command id so that a retry after an unknown outcome of
 * the same attempt writes nothing twice.
 */
export async function handleCommand<Command, State, Event extends { type: string; data: unknown }>(
  store: EventStore,
  lock: KeyedLock,
  stream: string,
  decider: Decider<Command, State, Event>,
  command: Command,
  context: { commandId: string; metadata: EventMetadata },
): Promise<CommandOutcome<State, Event>> {
  return lock.run(stream, async () => {
    for (let attempt = 1; ; attempt++) {
      const history = await store.readStream(stream);
      const state = history.reduce((s, e) => decider.evolve(s, e as unknown as Event), decider.initialState);
      const events = decider.decide(command, state);
      const expectedRevision = history.length ? history[history.length - 1].revision : 'no_stream';
      try {
        const result = await store.append(
          stream,
          events.map((e, i) => ({
            id: deterministicEventId(`${context.commandId}@${String(expectedRevision)}`, i),
            type: e.type,
            data: e.data as Record<string, unknown>,
            metadata: context.metadata,
          })),
          { expectedRevision },
        );
        return { events, result, state: events.reduce(decider.evolve, state) };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  });
}
