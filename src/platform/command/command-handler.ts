import { eventHash, lastHash } from '../event-store/hash-chain';
import { DomainError } from './domain-error';
import { KeyedLock } from './keyed-lock';
import { contextOfMetadata, inSpan, traceMetadataOf } from '../ops/trace-context';
import { deterministicEventId } from '../event-store/event-ids';
import { AppendResult, EventMetadata, EventStore, START, WrongExpectedVersionError } from '../event-store/event-store.port';

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
 * Traced as one span, `command <kind>`: a child of the trace the metadata names (work caused by an event
 * continues the event's trace), else of the active one (the request); the events record this span as their
 * `traceparent`, so what they cause in turn continues here.
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
  const kind = typeof (command as { kind?: unknown }).kind === 'string' ? (command as { kind: string }).kind : 'unknown';
  const attributes = { 'lead.command.kind': kind, 'lead.command.id': context.commandId, 'lead.stream': stream };
  // A refusal (DomainError, a 4xx) is the command's answer, not a failure of the service.
  const expected = (error: unknown) => error instanceof DomainError;
  return inSpan(`command ${kind}`, { attributes, parent: contextOfMetadata(context.metadata), expected }, (span) => lock.run(stream, async () => {
    const metadata = { ...context.metadata, ...traceMetadataOf(span) };
    const outcome = (name: 'appended' | 'replayed' | 'unchanged', attempts: number, events: number) =>
      span.setAttributes({ 'lead.command.outcome': name, 'lead.command.attempts': attempts, 'lead.command.events': events });
    for (let attempt = 1; ; attempt++) {
      const history = await store.readStream(stream);
      const state = history.reduce((s, e) => decider.evolve(s, e as unknown as Event), decider.initialState);
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
      if (events.length === 0) {
        // Nothing happened: write nothing, and point read-your-writes at what the stream already holds.
        const last = history[history.length - 1];
        outcome('unchanged', attempt, 0);
        return { events, state, result: { nextExpectedRevision: last?.revision ?? -1n, position: last?.position ?? START } };
      }
      const expectedRevision = history.length ? history[history.length - 1].revision : 'no_stream';
      let previousHash = lastHash(history);
      const chained = events.map((e, i) => {
        const id = deterministicEventId(`${context.commandId}@${String(expectedRevision)}`, i);
        const revision = BigInt(history.length + i);
        const data = e.data as Record<string, unknown>;
        previousHash = eventHash(previousHash, { streamName: stream, revision, id, type: e.type, data, metadata });
        return { id, type: e.type, data, metadata: { ...metadata, hash: previousHash } };
      });
      try {
        const result = await store.append(stream, chained, { expectedRevision });
        outcome('appended', attempt, events.length);
        return { events, result, state: events.reduce(decider.evolve, state) };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }));
}

function assertPrecondition(stream: string, history: readonly { revision: bigint }[], allowed: readonly bigint[] | undefined): void {
  if (allowed === undefined) return;
  const current = history.length ? history[history.length - 1].revision : undefined;
  if (current !== undefined && allowed.includes(current)) return;
  throw new DomainError('precondition_failed', `${stream} changed since it was read: it is now at revision ${current ?? 'none'}; read it again and retry`, {
    current_etag: current === undefined ? null : `"${current}"`,
  });
}
