import { deciderSpecification } from '../../../test/support/decider-specification';
import { AppendHistory, CreateTicket, MAX_HISTORY_PER_TICKET, ticketDecider } from './ticket.decider';
import { TicketCreated } from './ticket.events';

const spec = deciderSpecification(ticketDecider);
const opening = {
  id: 't1',
  company_id: '1',
  source: 'sales_channel',
  created_by: {},
  created_on: { user_agent: 'ua' },
  created_at: 'now',
} as const;
const create: CreateTicket = { kind: 'CreateTicket', ticket: { ...opening, title: 'Late', category: 'order' } };
const created: TicketCreated = {
  type: 'TicketCreated',
  data: {
    ...opening,
    content: { title: 'Late', description: '', attachments: [] },
    category: { key: 'order', display: 'Order' },
    status: 'pending',
    priority: 'low',
    tags: [],
  },
};
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
  it('creates a ticket once, filling in what every new ticket starts with', () => {
    spec.given([]).when(create).then([created]);
    spec.given([created]).when(create).thenRefuses('conflict');
  });

  it('keeps what the opener says: the category of a form, a status, tags, a priority', () => {
    const category = { key: 'contact', display: 'Contact us', form: { slug: 'contact' } };
    const ticket = {
      ...opening,
      title: 'Contact us Response',
      description: '<b>Name</b>: Ann<br>',
      category,
      status: 'in_progress',
      priority: 'high',
      tags: ['contact'],
    } as const;
    spec
      .given([])
      .when({ kind: 'CreateTicket', ticket })
      .then(([event]) => {
        expect(event.data).toMatchObject({
          category,
          status: 'in_progress',
          priority: 'high',
          tags: ['contact'],
          content: { title: 'Contact us Response', description: '<b>Name</b>: Ann<br>', attachments: [] },
        });
      });
  });

  it('appends history only to an existing ticket, naming the ticket', () => {
    spec.given([]).when(comment).thenRefuses('not_found');
    spec
      .given([created])
      .when(comment)
      .then(([event], after) => {
        expect(event).toEqual({
          type: 'HistoryAppended',
          data: expect.objectContaining({ id: 'h1', ticket: 't1', type: 'comment', value: { text: 'hi' } }),
        });
        expect(after).toMatchObject({ historyCount: 1 });
      });
  });

  it('refuses history beyond the per-ticket limit', () => {
    const state = spec.given([created]).state;
    spec
      .givenState({ ...state, historyCount: MAX_HISTORY_PER_TICKET } as typeof state)
      .when(comment)
      .thenRefuses('limit');
    spec
      .givenState({ ...state, historyCount: 2 } as typeof state)
      .when({ ...comment, maxHistory: 2 })
      .thenRefuses('limit');
  });
});
