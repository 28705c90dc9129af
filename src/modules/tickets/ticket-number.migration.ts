import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { handleCommand } from '../../platform/command/command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore, Position } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { systemContext } from '../../platform/http/system-context';
import { TicketCreated, TicketEventType, TicketNumbersMigrated, ticketNumbers } from './ticket.events';

/** Written once per store, when every company's numbers are recorded: later starts skip the scan. */
export const TICKET_NUMBERING_MIGRATED_STREAM = 'ticketnumbering-migrated';

const PROCESS = 'ticket-number-migration';
/** Tickets per TicketNumbersMigrated event: keeps each append well under EventStoreDB's 1 MiB append limit. */
export const MIGRATION_CHUNK = 5_000;
const PAGE = 1_000;

type Numbers = readonly { readonly id: string; readonly ticket_id: string }[];
type MigrationEvent =
  TicketNumbersMigrated | { type: typeof TicketEventType.TicketNumberingMigrated; data: { companies: number; tickets: number } };

/**
 * Decides the next chunk of a company's recorded numbers not in its stream yet (the stream is read and
 * folded by handleCommand, so an instance that races another one, or restarts half way, writes each chunk
 * once: the chunks' ids derive from the company and the revision).
 */
const chunkDecider = {
  initialState: 0,
  evolve: (recorded: number, e: MigrationEvent) =>
    e.type === TicketEventType.TicketNumbersMigrated ? recorded + e.data.tickets.length : recorded,
  decide: (c: { companyId: string; numbers: Numbers }, recorded: number): MigrationEvent[] => {
    const tickets = c.numbers.slice(recorded, recorded + MIGRATION_CHUNK);
    if (tickets.length === 0) return [];
    return [
      {
        type: TicketEventType.TicketNumbersMigrated,
        data: { company_id: c.companyId, tickets, last: Number(tickets[tickets.length - 1].ticket_id) },
      },
    ];
  },
};

const markerDecider = {
  initialState: false,
  evolve: () => true,
  decide: (c: { companies: number; tickets: number }, done: boolean): MigrationEvent[] =>
    done ? [] : [{ type: TicketEventType.TicketNumberingMigrated, data: c }],
};

/**
 * The numbers tickets were given before TicketCreated recorded them, computed as the tickets projection
 * gave them (per company, in log order) and recorded once as events, so they survive any later change to
 * what a reader sees of the log. Reads the log up to the first TicketCreated that carries its number: every
 * ticket after it was written by this version. Idempotent; a no-op on a store that has no such tickets.
 */
export async function migrateTicketNumbers(
  store: EventStore,
  lock: KeyedLock,
  chain: ChainKey,
): Promise<{ companies: number; tickets: number }> {
  const [marker] = await store.readStream(TICKET_NUMBERING_MIGRATED_STREAM, { maxCount: 1 });
  if (marker) return { companies: 0, tickets: 0 };
  const legacy = new Map<string, { id: string; ticket_id: string }[]>();
  const seen = new Set<string>();
  let from: Position | undefined;
  scan: for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
    if (page.length === 0) break;
    for (const event of page) {
      from = event.position;
      if (event.type !== TicketEventType.TicketCreated) continue;
      const d = event.data as unknown as TicketCreated['data'];
      if (d.ticket_id !== undefined) break scan;
      // A TicketCreated seen twice (it cannot be, but the projection skips one) gets no second number.
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      const numbers = legacy.get(d.company_id) ?? [];
      numbers.push({ id: d.id, ticket_id: String(numbers.length + 1) });
      legacy.set(d.company_id, numbers);
    }
  }
  let tickets = 0;
  for (const [companyId, numbers] of legacy) {
    // One command per chunk: a command id names what it wrote (handleCommand answers a repeated one with it).
    for (let chunk = 0; ; chunk++) {
      const context = systemContext(PROCESS, { tenant: { companyId }, commandId: `${PROCESS}:${companyId}:${chunk}` });
      const outcome = await handleCommand(store, lock, chain, ticketNumbers(companyId), chunkDecider, { companyId, numbers }, context);
      if (outcome.events.length === 0) break;
    }
    tickets += numbers.length;
  }
  if (legacy.size > 0) {
    const context = systemContext(PROCESS, { tenant: { companyId: '*' }, commandId: `${PROCESS}:done` });
    await handleCommand(store, lock, chain, TICKET_NUMBERING_MIGRATED_STREAM, markerDecider, { companies: legacy.size, tickets }, context);
  }
  return { companies: legacy.size, tickets };
}

/**
 * Runs the migration at start, before any module's bootstrap (the forms reconciler opens tickets there) and
 * before the server listens: a ticket created before it would take a number the migration is about to give.
 */
@Injectable()
export class TicketNumberMigration implements OnModuleInit {
  private readonly logger = new Logger('TicketNumberMigration');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly lock: KeyedLock,
    private readonly chain: ChainKey,
  ) {}

  async onModuleInit(): Promise<void> {
    const { companies, tickets } = await migrateTicketNumbers(this.store, this.lock, this.chain);
    if (tickets > 0) this.logger.log(`recorded the numbers of ${tickets} tickets of ${companies} companies`);
  }
}
