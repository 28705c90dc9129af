import { EditTicket, MAX_FEEDBACK_PER_TICKET, SubmitFeedback, TicketChanges } from './ticket.decider';
import { CreateTicket, ExistingTicket, MAX_HISTORY_PER_TICKET, TicketState, decideTicket, evolveTicket, initialTicketState } from './ticket.decider';

const create: CreateTicket = {
  kind: 'CreateTicket',
  data: {
    id: 't1',
    company_id: '1',
    source: 'sales_channel',
    content: { title: 'Late', description: 'FY-1', attachments: [{ type: 'image', value: 'u', display: 'photo' }] },
    category: { key: 'order', display: 'Order' },
    status: 'pending',
    priority: 'low',
    created_by: {},
    created_on: { user_agent: 'ua' },
    tags: ['a'],
    created_at: 'then',
  },
};
const created = () => decideTicket(create, initialTicketState).reduce(evolveTicket, initialTicketState) as ExistingTicket;
const edit = (changes: TicketChanges): EditTicket => ({ kind: 'EditTicket', changes, historyId: 'h1', createdBy: { id: 'agent' }, createdOn: { user_agent: 'ua' }, now: 'now' });
const types = (changes: TicketChanges, state: TicketState = created()) => decideTicket(edit(changes), state).map((e) => e.type);

describe('ticket edits (decider)', () => {
  it('emits one event per kind of change, then one diff history entry with [old, new]', () => {
    const events = decideTicket(edit({ status: 'in_progress', priority: 'high', assigned_to: { agent_id: 'x' }, tags: ['b'], category: 'refund', sub_category: 'card', content: { title: 'Later' } }), created());
    expect(events.map((e) => e.type)).toEqual([
      'TicketContentChanged',
      'TicketCategoryChanged',
      'TicketStatusChanged',
      'TicketPriorityChanged',
      'TicketAssigned',
      'TicketTagsChanged',
      'HistoryAppended',
    ]);
    expect(events[1].data).toEqual({ ticket: 't1', changed_at: 'now', category: { key: 'refund', display: 'Refund' }, sub_category: 'card' });
    expect(events[6].data).toMatchObject({
      id: 'h1',
      type: 'diff',
      created_by: { id: 'agent' },
      value: {
        content: [create.data.content, { ...create.data.content, title: 'Later' }],
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
    expect(types(same)).toEqual([]);
    expect(types({})).toEqual([]);
  });

  it('tags are a set; sub_category "" clears; the fold remembers every change', () => {
    const state = decideTicket(edit({ tags: ['b', 'a'], sub_category: 'card', assigned_to: { agent_id: 'x' } }), created()).reduce(evolveTicket, created());
    expect(state).toMatchObject({ tags: ['b', 'a'], subCategory: 'card', assignedTo: 'x', historyCount: 1 });
    expect(types({ tags: ['a', 'b'], assigned_to: { agent_id: 'x' } }, state)).toEqual([]);
    const cleared = decideTicket(edit({ sub_category: '' }), state);
    expect(cleared[0].data).toEqual({ ticket: 't1', changed_at: 'now', category: { key: 'order', display: 'Order' } });
    expect(cleared[1].data).toMatchObject({ value: { sub_category: ['card', null] } });
  });

  it('refuses a new source, a forbidden transition, a missing ticket and a full history', () => {
    expect(() => types({ source: 'platform_panel' })).toThrow(expect.objectContaining({ kind: 'invalid' }));
    const closed = decideTicket(edit({ status: 'closed' }), created()).reduce(evolveTicket, created());
    expect(() => types({ status: 'pending' }, closed)).toThrow(expect.objectContaining({ kind: 'forbidden_transition' }));
    expect(() => decideTicket(edit({ priority: 'high' }), initialTicketState)).toThrow(expect.objectContaining({ kind: 'not_found' }));
    expect(() => types({ priority: 'high' }, { ...created(), historyCount: MAX_HISTORY_PER_TICKET })).toThrow(expect.objectContaining({ kind: 'limit' }));
  });
});

describe('ticket feedback (decider)', () => {
  const feedback = (formResponse: SubmitFeedback['formResponse']): SubmitFeedback => ({ kind: 'SubmitFeedback', feedbackId: 'f1', formResponse, user: { id: 'u' }, now: 'now' });

  it('records the answers as {display, key, value} strings, with the ticket category', () => {
    const [event] = decideTicket(feedback({ audio_quality: 2, ok: true, note: 'fine' }), created());
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
    expect(evolveTicket(created(), event)).toMatchObject({ feedbackCount: 1, historyCount: 0 });
  });

  it('refuses an empty answer set, a missing ticket and feedback beyond the limit', () => {
    expect(() => decideTicket(feedback({}), created())).toThrow(expect.objectContaining({ kind: 'invalid' }));
    expect(() => decideTicket(feedback({ a: 1 }), initialTicketState)).toThrow(expect.objectContaining({ kind: 'not_found' }));
    expect(() => decideTicket(feedback({ a: 1 }), { ...created(), feedbackCount: MAX_FEEDBACK_PER_TICKET })).toThrow(expect.objectContaining({ kind: 'limit' }));
  });
});
