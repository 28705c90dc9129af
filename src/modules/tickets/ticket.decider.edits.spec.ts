import { deciderSpecification } from '../../../test/support/decider-specification';
import {
  CreateTicket,
  EditTicket,
  MAX_FEEDBACK_PER_TICKET,
  MAX_HISTORY_PER_TICKET,
  SubmitFeedback,
  TicketChanges,
  ticketDecider,
} from './ticket.decider';
import { TicketCreated, TicketEvent } from './ticket.events';

const spec = deciderSpecification(ticketDecider);

const create: CreateTicket = {
  kind: 'CreateTicket',
  ticket: {
    id: 't1',
    company_id: '1',
    source: 'sales_channel',
    title: 'Late',
    description: 'FY-1',
    attachments: [{ type: 'image', value: 'u', display: 'photo' }],
    category: 'order',
    created_by: {},
    created_on: { user_agent: 'ua' },
    tags: ['a'],
    created_at: 'then',
  },
};
const [created] = spec.given([]).when(create).decided() as [TicketCreated];
const edit = (changes: TicketChanges): EditTicket => ({
  kind: 'EditTicket',
  changes,
  historyId: 'h1',
  createdBy: { id: 'agent' },
  createdOn: { user_agent: 'ua' },
  now: 'now',
});
const typesOf = (events: TicketEvent[]) => events.map((e) => e.type);

describe('ticket edits (decider)', () => {
  it('emits one event per kind of change, then one diff history entry with [old, new]', () => {
    const events = spec
      .given([created])
      .when(
        edit({
          status: 'in_progress',
          priority: 'high',
          assigned_to: { agent_id: 'x' },
          tags: ['b'],
          category: 'refund',
          sub_category: 'card',
          content: { title: 'Later' },
        }),
      )
      .decided();
    expect(events.map((e) => e.type)).toEqual([
      'TicketContentChanged',
      'TicketCategoryChanged',
      'TicketStatusChanged',
      'TicketPriorityChanged',
      'TicketAssigned',
      'TicketTagsChanged',
      'HistoryAppended',
    ]);
    expect(events[1].data).toEqual({
      ticket: 't1',
      changed_at: 'now',
      category: { key: 'refund', display: 'Refund' },
      sub_category: 'card',
    });
    expect(events[6].data).toMatchObject({
      id: 'h1',
      type: 'diff',
      created_by: { id: 'agent' },
      value: {
        content: [created.data.content, { ...created.data.content, title: 'Later' }],
        category: ['order', 'refund'],
        sub_category: [null, 'card'],
        status: ['pending', 'in_progress'],
        priority: ['low', 'high'],
        assigned_to: [null, 'x'],
        tags: [['a'], ['b']],
      },
    });
  });

  it('an edit that changes nothing decides nothing', () => {
    const same: TicketChanges = {
      status: 'pending',
      priority: 'low',
      category: 'order',
      tags: ['a', 'a'],
      source: 'sales_channel',
      // Same attachment, keys in another order: still no change.
      content: { title: 'Late', description: 'FY-1', attachments: [{ value: 'u', display: 'photo', type: 'image' }] },
    };
    spec.given([created]).when(edit(same)).thenNothingHappens();
    spec.given([created]).when(edit({})).thenNothingHappens();
  });

  it('tags are a set; sub_category "" clears; the fold remembers every change', () => {
    const changed = spec
      .given([created])
      .when(edit({ tags: ['b', 'a'], sub_category: 'card', assigned_to: { agent_id: 'x' } }))
      .then((_, after) => {
        expect(after).toMatchObject({ tags: ['b', 'a'], subCategory: 'card', assignedTo: 'x', historyCount: 1 });
      });
    spec
      .given([created, ...changed])
      .when(edit({ tags: ['a', 'b'], assigned_to: { agent_id: 'x' } }))
      .thenNothingHappens();
    spec
      .given([created, ...changed])
      .when(edit({ sub_category: '' }))
      .then((cleared) => {
        expect(cleared[0].data).toEqual({ ticket: 't1', changed_at: 'now', category: { key: 'order', display: 'Order' } });
        expect(cleared[1].data).toMatchObject({ value: { sub_category: ['card', null] } });
      });
  });

  it('refuses a new source, a forbidden transition, a missing ticket and a full history', () => {
    spec
      .given([created])
      .when(edit({ source: 'platform_panel' }))
      .thenRefuses('invalid');
    const closed = spec
      .given([created])
      .when(edit({ status: 'closed' }))
      .decided();
    spec
      .given([created, ...closed])
      .when(edit({ status: 'pending' }))
      .thenRefuses('forbidden_transition');
    spec
      .given([])
      .when(edit({ priority: 'high' }))
      .thenRefuses('not_found');
    const state = spec.given([created]).state;
    spec
      .givenState({ ...state, historyCount: MAX_HISTORY_PER_TICKET } as typeof state)
      .when(edit({ priority: 'high' }))
      .thenRefuses('limit');
  });
});

describe('ticket feedback (decider)', () => {
  const feedback = (formResponse: SubmitFeedback['formResponse']): SubmitFeedback => ({
    kind: 'SubmitFeedback',
    feedbackId: 'f1',
    formResponse,
    user: { id: 'u' },
    now: 'now',
  });

  it('records the answers as {display, key, value} strings, with the ticket category', () => {
    const [event] = spec
      .given([created])
      .when(feedback({ audio_quality: 2, ok: true, note: 'fine' }))
      .then((_, after) => {
        expect(after).toMatchObject({ feedbackCount: 1, historyCount: 0 });
      });
    expect(event).toEqual({
      type: 'FeedbackSubmitted',
      data: {
        id: 'f1',
        ticket: 't1',
        company_id: '1',
        category: 'order',
        user: { id: 'u' },
        created_at: 'now',
        response: [
          { key: 'audio_quality', display: 'Audio Quality', value: '2' },
          { key: 'ok', display: 'Ok', value: 'true' },
          { key: 'note', display: 'Note', value: 'fine' },
        ],
      },
    });
  });

  it('refuses an empty answer set, a missing ticket and feedback beyond the limit', () => {
    spec.given([created]).when(feedback({})).thenRefuses('invalid');
    spec
      .given([])
      .when(feedback({ a: 1 }))
      .thenRefuses('not_found');
    const state = spec.given([created]).state;
    spec
      .givenState({ ...state, feedbackCount: MAX_FEEDBACK_PER_TICKET } as typeof state)
      .when(feedback({ a: 1 }))
      .thenRefuses('limit');
  });
});
