import { RecordedEvent } from '../../platform/event-store/event-store.port';
import { slaChangeOf, ticketFactsOf } from './ticket-facts';

let n = 0;
const event = (type: string, data: Record<string, unknown>, actor = 'storefront_user'): RecordedEvent => ({
  id: `e${++n}`,
  streamName: 'ticket-t1',
  type,
  data,
  metadata: { actor: { type: actor as 'storefront_user', id: 'x' } },
  revision: BigInt(n),
  position: { commit: BigInt(n), prepare: BigInt(n) },
  created: new Date(),
});
const AT = '2026-03-02T10:00:00.000Z';
const created = event('TicketCreated', {
  id: 't1',
  company_id: '1',
  application_id: 'A',
  priority: 'low',
  category: { key: 'orders', display: 'Orders' },
  status: 'pending',
  created_at: AT,
});

describe('ticket facts for the SLA', () => {
  it('folds priority, category and status changes', () => {
    const events = [
      created,
      event('TicketPriorityChanged', { ticket: 't1', priority: 'urgent', changed_at: AT }),
      event('TicketCategoryChanged', { ticket: 't1', category: { key: 'refunds', display: 'R' }, changed_at: AT }),
      event('TicketStatusChanged', { ticket: 't1', status: 'resolved', changed_at: AT }),
    ];
    expect(ticketFactsOf(events)).toEqual({
      id: 't1',
      company_id: '1',
      application_id: 'A',
      priority: 'urgent',
      category: 'refunds',
      status: 'resolved',
    });
  });

  it('tells staff comments from the customer by the actor, and ignores logs and other edits', () => {
    const comment = (actor: string) => event('HistoryAppended', { ticket: 't1', type: 'comment', value: {}, created_at: AT }, actor);
    expect(slaChangeOf(comment('staff_user'))).toEqual({ change: { kind: 'public_reply', by: 'staff' }, at: AT });
    expect(slaChangeOf(comment('staff_client'))!.change).toEqual({ kind: 'public_reply', by: 'staff' });
    expect(slaChangeOf(comment('storefront_user'))!.change).toEqual({ kind: 'public_reply', by: 'customer' });
    expect(slaChangeOf(event('HistoryAppended', { type: 'log', created_at: AT }, 'staff_user'))).toBeUndefined();
    expect(slaChangeOf(event('TicketTagsChanged', { tags: [], changed_at: AT }))).toBeUndefined();
  });

  it('an internal note is no reply: it starts, stops and fulfils no first-reply clock', () => {
    const note = (actor: string) => event('HistoryAppended', { ticket: 't1', type: 'note', value: { text: 'x' }, created_at: AT }, actor);
    expect(slaChangeOf(note('staff_user'))).toBeUndefined();
    expect(slaChangeOf(note('staff_client'))).toBeUndefined();
  });
});
