import { AgentGroups } from '../../agent-groups';
import { Logger } from '@nestjs/common';
import { KeyedLock } from '../../../platform/command/keyed-lock';
import { Settings } from '../../../platform/config/settings';
import { EventStore } from '../../../platform/event-store/event-store.port';
import { MemoryEventStore } from '../../../platform/event-store/memory.event-store';
import { SqliteEventStore } from '../../../platform/event-store/sqlite.event-store';
import { CommandContext } from '../../../platform/http/request-context';
import { ProjectionRunner } from '../../../platform/projections/projection-runner';
import { ReadYourWrites } from '../../../platform/projections/read-your-writes';
import { SqliteDatabase, openSqlite } from '../../../platform/sqlite/sqlite-database';
import { testChainKey } from '../../../../test/support/recorded-events';
import { TicketQueries } from '../read-model/ticket.queries';
import { TicketProjection } from '../read-model/ticket.projection';
import { AppendHistoryCommand, AppendHistoryHandler } from './append-history.command';
import { CreateTicketCommand, CreateTicketHandler } from './create-ticket.command';
import { EditTicketCommand, EditTicketHandler } from './edit-ticket.command';
import { TicketCommandHandler } from './ticket-command-handler';

/**
 * A command answers from what it decided (the document read before the write + the events it appended, through
 * the projection's own functions), not from a read of the model after the write; the answer is still exactly
 * what the model then shows. On both lifecycles: inline (SQLite) and async (memory store).
 */
/** These edits name no agent group: the group lookup is never asked. */
const noGroups = { state: async () => ({ groups: [] }) } as unknown as AgentGroups;

describe.each([
  ['sqlite (inline)', (db: SqliteDatabase) => new SqliteEventStore(db)],
  ['memory (async)', () => new MemoryEventStore()],
])('ticket command answers on %s', (_name, storeOf: (db: SqliteDatabase) => EventStore) => {
  beforeAll(() => Logger.overrideLogger(false));
  let db: SqliteDatabase;
  let runner: ProjectionRunner;
  let queries: TicketQueries;
  let tickets: TicketCommandHandler;
  let id: string;
  let created: Awaited<ReturnType<CreateTicketHandler['execute']>>;
  const settings = { readYourWritesTimeoutMs: 2000, maxHistoryPerTicket: 100 } as Settings;
  let n = 0;
  const context = (): CommandContext => ({
    commandId: `cmd-${++n}`,
    metadata: {},
    createdOn: { user_agent: 'spec' },
    now: `2026-02-0${Math.min(9, n)}T00:00:00.000Z`,
  });
  const scope = { companyId: '1' };

  beforeEach(async () => {
    db = openSqlite(':memory:');
    const store = storeOf(db);
    runner = new ProjectionRunner(store, db, [new TicketProjection()], { projectionRetryMs: 20 });
    runner.start();
    queries = new TicketQueries(db);
    tickets = new TicketCommandHandler(store, new KeyedLock(), testChainKey, new ReadYourWrites(runner, settings, store));
    const create = new CreateTicketHandler(tickets, queries);
    const findTicket = jest.spyOn(queries, 'findTicket');
    created = await create.execute(
      new CreateTicketCommand(
        { company_id: '1', application_id: 'app', source: 'sales_channel', title: 't', category: 'c', created_by: { id: 'u1' } },
        context(),
      ),
    );
    expect(findTicket).not.toHaveBeenCalled(); // the create answers from its TicketCreated, numbered in the append
    findTicket.mockRestore();
    id = created._id;
  });
  afterEach(async () => {
    await runner.beforeApplicationShutdown();
    db.close();
  });

  it('create: the ticket its event records, with the number decided in the append, equal to what the model shows', () => {
    expect(created.ticket_id).toBe('1');
    expect(created).toEqual(queries.findTicket(id, scope)!.doc);
  });

  it('add history: the entry appended, without reading it back', async () => {
    const handler = new AppendHistoryHandler(tickets, queries, settings);
    const findHistory = jest.spyOn(queries, 'findHistory');
    const entry = { type: 'comment' as const, value: { text: 'hello' }, createdBy: { id: 'u1' } };
    const answer = await handler.execute(new AppendHistoryCommand(id, scope, entry, context()));
    expect(findHistory).not.toHaveBeenCalled();
    expect(answer).toEqual(queries.findHistory(answer._id));
    expect(answer.ticket_id).toBe('1');
  });

  it('edit: the document read before with the appended edits applied, equal to what the model then shows', async () => {
    const handler = new EditTicketHandler(tickets, queries, settings, noGroups);
    const findTicket = jest.spyOn(queries, 'findTicket');
    const command = new EditTicketCommand(
      id,
      scope,
      { status: 'in_progress', priority: 'high', assigned_to: { agent_id: 'a7' } },
      { id: 'staff' },
      undefined,
      context(),
    );
    const answer = await handler.execute(command);
    expect(findTicket).toHaveBeenCalledTimes(1); // the visibility check before the write, not after it
    expect(answer).toEqual(queries.findTicket(id, scope));
    expect(answer.doc.status.key).toBe('in_progress');
    expect(answer.doc.assigned_to).toEqual({ agent_id: 'a7' });
  });

  it('edit: when another write came between the read and the decision, the model answers instead', async () => {
    const handler = new EditTicketHandler(tickets, queries, settings, noGroups);
    const visible = queries.visibleTicket(id, scope);
    // The read before the write is one revision behind the stream: the answer cannot be computed from it.
    jest.spyOn(queries, 'visibleTicket').mockReturnValueOnce({ ...visible, revision: visible.revision - 1 });
    const findTicket = jest.spyOn(queries, 'findTicket');
    const answer = await handler.execute(new EditTicketCommand(id, scope, { priority: 'high' }, { id: 'staff' }, undefined, context()));
    expect(findTicket).toHaveBeenCalledTimes(1);
    expect(answer).toEqual(queries.findTicket(id, scope));
    expect(answer.doc.priority.key).toBe('high');
  });
});
