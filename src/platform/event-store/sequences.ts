import { KeyedLock } from '../command/keyed-lock';
import { deterministicEventId } from './event-ids';
import {
  EventMetadata,
  EventStore,
  ExpectedRevision,
  NumberedAppendResult,
  NumberedEvents,
  RecordedEvent,
  WrongExpectedVersionError,
} from './event-store.port';
import { ChainKey, eventHash, keyedLink, lastHash } from './hash-chain';

/**
 * Numbered appends: events that must carry the next number of a named sequence (a ticket's readable number
 * per company), decided when they are written and stored in their data, so every reader sees the same number
 * whatever it reads of the log later.
 *
 * A sequence's stream (`sequence` is its name) holds events whose data say `last`: the last number given so
 * far. That is where a store without transactions across streams reserves numbers, and where a migration
 * records where a sequence starts (see `lastNumberOf`).
 */
export type { NumberedAppendResult, NumberedEvents };

/** Who reserves, for the reservation event's audit metadata and its idempotent id. */
export interface ReservationContext {
  readonly commandId: string;
  readonly metadata: EventMetadata;
  /** Serialises this process's reservations per sequence, so that they do not conflict with each other. */
  readonly lock: KeyedLock;
  /** Keys the reservation's chain link (scheme 2) like every command's; absent: an unkeyed link (tests, tools). */
  readonly chain?: ChainKey;
}

export const SequenceEventType = {
  /** One number taken from a sequence stream (stores without a transaction across streams). */
  NumberReserved: 'SequenceNumberReserved',
} as const;

/** The last number a sequence stream's event says was given; 0 before the first one. */
export function lastNumberOf(event: RecordedEvent | undefined): number {
  const last = event?.data.last;
  return typeof last === 'number' && Number.isSafeInteger(last) && last > 0 ? last : 0;
}

/** Conflicts one reservation may meet before it gives up: another instance takes numbers of the same sequence. */
const MAX_RESERVATION_ATTEMPTS = 50;

/**
 * Appends `claim.build(n)` to `stream` at `expectedRevision` with n the next number of `claim.sequence`.
 *
 * - An adapter that can decide the number inside the append's own transaction does (`appendNumbered`, the
 *   embedded stores): the number is taken only if the append commits, so the sequence is gapless.
 * - Any other store (EventStoreDB): the number is first reserved by appending `SequenceNumberReserved
 *   {last: n}` to the sequence's stream at the revision read (a conflict means another writer took a number:
 *   read again and retry), then the events are appended. Numbers are unique and increasing in reservation
 *   order; a reservation whose append then fails, or never comes (a crash in between), leaves a gap
 *   (docs/architecture.md, ticket numbering).
 */
export async function appendNumbered(
  store: EventStore,
  stream: string,
  claim: NumberedEvents,
  options: { expectedRevision: ExpectedRevision },
  context: ReservationContext,
): Promise<NumberedAppendResult> {
  if (store.appendNumbered) return store.appendNumbered(stream, claim, options);
  const number = await context.lock.run(`sequence:${claim.sequence}`, () => reserveNumber(store, claim.sequence, context));
  return { ...(await store.append(stream, claim.build(number), options)), number };
}

/** Takes the next number of a sequence stream with an exact expected revision; see `appendNumbered`. */
export async function reserveNumber(store: EventStore, sequence: string, context: Omit<ReservationContext, 'lock'>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const [last] = await store.readStream(sequence, { direction: 'backwards', maxCount: 1 });
    const next = lastNumberOf(last) + 1;
    const revision = last ? last.revision + 1n : 0n;
    const expectedRevision: ExpectedRevision = last ? last.revision : 'no_stream';
    const id = deterministicEventId(`${context.commandId}@${sequence}@${revision}`, 0);
    const type = SequenceEventType.NumberReserved;
    const data = { last: next };
    // The reservation records who asked, not from where: the request's source (user agent, address) is
    // personal data, which only the command path seals (src/platform/privacy), and a number needs none of it.
    const { source: _source, ...who } = context.metadata;
    const chained = { streamName: sequence, revision, id, type, data, metadata: who };
    const metadata = context.chain
      ? keyedLink(context.chain, lastHash(last ? [last] : []), chained)
      : { ...who, hash: eventHash(lastHash(last ? [last] : []), chained) };
    try {
      await store.append(sequence, [{ id, type, data, metadata }], { expectedRevision });
      return next;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_RESERVATION_ATTEMPTS) throw error;
      // Another instance took this number; a short random pause keeps two instances from colliding in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20, attempt * 2)));
    }
  }
}

/**
 * For the embedded adapters: the number to give next, from the sequence's counter (kept by the adapter in
 * the append's transaction) or, when higher, from its stream (where a migration records where it starts).
 */
export function nextNumber(counter: number | undefined, lastStreamEvent: RecordedEvent | undefined): number {
  return Math.max(counter ?? 0, lastNumberOf(lastStreamEvent)) + 1;
}
