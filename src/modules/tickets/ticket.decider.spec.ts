import { ticketCreatedData } from '../../../test/support/recorded-events';
import { deciderSpecification } from '../../../test/support/decider-specification';
import { AppendHistory, CreateTicket, MAX_HISTORY_PER_TICKET, ticketDecider } from './ticket.decider';
import { TicketCreated } from './ticket.events';

const spec = deciderSpecification(ticketDecider);
const create: CreateTicket = { kind: 'CreateTicket', data: ticketCreatedData({ application_id: undefined, created_at: 'now' }) };
const created: TicketCreated = { type: 'TicketCreated', data: create.data };
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
    spec.given([]).when(create).then([created]);
    spec.given([created]).when(create).thenRefuses('conflict');
  });

  it('appends history only to an existing ticket, naming the ticket', () => {
    spec.given([]).when(comment).thenRefuses('not_found');
    spec.given([created]).when(comment).then(([event], after) => {
      expect(event).toEqual({ type: 'HistoryAppended', data: expect.objectContaining({ id: 'h1', ticket: 't1', type: 'comment', value: { text: 'hi' } }) });
      expect(after).toMatchObject({ historyCount: 1 });
    });
  });

  it('refuses history beyond the per-ticket limit', () => {
    const state = spec.given([created]).state;
    spec.givenState({ ...state, historyCount: MAX_HISTORY_PER_TICKET } as typeof state).when(comment).thenRefuses('limit');
    spec.givenState({ ...state, historyCount: 2 } as typeof state).when({ ...comment, maxHistory: 2 }).thenRefuses('limit');
  });
});
