import { ticketCreatedData } from '../../../test/support/recorded-events';
import { DomainError } from '../../platform/command/domain-error';
import { AppendHistory, CreateTicket, MAX_HISTORY_PER_TICKET, decideTicket, evolveTicket, initialTicketState } from './ticket.decider';

const create: CreateTicket = { kind: 'CreateTicket', data: ticketCreatedData({ application_id: undefined, created_at: 'now' }) };
const comment: AppendHistory = {
  kind: 'AppendHistory',
  historyId: 'h1',
  type: 'comment',
  value: { text: 'hi' },
  createdBy: {},
  createdOn: { user_agent: 'ua' },
  now: 'now',
};

describe('ticket decider', () => {
  it('creates a ticket once', () => {
    const events = decideTicket(create, initialTicketState);
    expect(events).toEqual([{ type: 'TicketCreated', data: create.data }]);
    const state = events.reduce(evolveTicket, initialTicketState);
    expect(() => decideTicket(create, state)).toThrow(DomainError);
  });

  it('appends history only to an existing ticket, naming the ticket', () => {
    expect(() => decideTicket(comment, initialTicketState)).toThrow(expect.objectContaining({ kind: 'not_found' }));
    const state = decideTicket(create, initialTicketState).reduce(evolveTicket, initialTicketState);
    const [event] = decideTicket(comment, state);
    expect(event).toEqual({ type: 'HistoryAppended', data: expect.objectContaining({ id: 'h1', ticket: 't1', type: 'comment', value: { text: 'hi' } }) });
  });

  it('refuses history beyond the per-ticket limit', () => {
    const state = decideTicket(create, initialTicketState).reduce(evolveTicket, initialTicketState);
    const full = { ...state, historyCount: MAX_HISTORY_PER_TICKET } as typeof state;
    expect(() => decideTicket(comment, full)).toThrow(expect.objectContaining({ kind: 'limit' }));
  });
});
