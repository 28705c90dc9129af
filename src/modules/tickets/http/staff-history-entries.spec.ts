import { TicketHistoryDoc } from '../read-model/ticket.views';
import { ExtraHistoryEntry, StaffHistoryEntries, mergeByTime } from './staff-history-entries';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 10, minute)).toISOString();
const own = (id: string, minute: number) => ({ _id: id, created_at: at(minute) }) as TicketHistoryDoc;
const extra = (id: string, minute: number): ExtraHistoryEntry => ({
  _id: id,
  type: 'log',
  value: { text: id },
  created_by: { id: 'sla-processor', user_type: 'system' },
  created_on: { user_agent: 'sla-processor' },
  created_at: at(minute),
});
const ids = (docs: { _id: string }[]) => docs.map((d) => d._id);

describe('mergeByTime', () => {
  it('interleaves ordered lists by time; at equal times the earlier list first; each list keeps its own order', () => {
    const merged = mergeByTime([
      [own('c1', 0), own('c2', 5), own('c3', 5), own('c4', 9)],
      [own('s1', 0), own('s2', 3), own('s3', 5), own('s4', 20)],
    ]);
    expect(ids(merged)).toEqual(['c1', 's1', 's2', 'c2', 'c3', 's3', 'c4', 's4']);
    // A list out of time order (clock skew between writers) is not reordered.
    expect(ids(mergeByTime([[own('a', 5), own('b', 1)], [own('x', 3)]]))).toEqual(['x', 'a', 'b']);
  });
});

describe('StaffHistoryEntries', () => {
  const ticket = { _id: 't1', ticket_id: '42' };
  const ownHistory = (docs: TicketHistoryDoc[]) => ({ total: docs.length, first: (n: number) => docs.slice(0, n) });
  const comments = [own('c1', 0), own('c2', 10), own('c3', 20)];

  it('serves the ticket own entries as they are when no module registered entries', () => {
    expect(new StaffHistoryEntries().page(ticket, ownHistory(comments), 2, 1)).toEqual({ items: comments.slice(1, 3), total: 3 });
  });

  it("pages through the merge of the ticket's entries with each source's, counting them all; extra entries get the ticket number", () => {
    const entries = new StaffHistoryEntries();
    const sla = [extra('s1', 0), extra('s2', 15), extra('s3', 30)];
    const asked: [string, number][] = [];
    entries.register('sla', {
      count: (id) => (id === 't1' ? sla.length : 0),
      first: (id, n) => {
        asked.push([id, n]);
        return sla.slice(0, n);
      },
    });
    const pages = [1, 2, 3].map((page) => entries.page(ticket, ownHistory(comments), 2, (page - 1) * 2));
    expect(pages.map((p) => ids(p.items))).toEqual([
      ['c1', 's1'],
      ['c2', 's2'],
      ['c3', 's3'],
    ]);
    expect(pages.every((p) => p.total === 6)).toBe(true);
    expect(asked).toEqual([
      ['t1', 2],
      ['t1', 4],
      ['t1', 6],
    ]);
    expect(pages[1].items[1]).toEqual({
      ...extra('s2', 15),
      ticket_id: '42',
      updated_at: at(15),
      createdAt: at(15),
      updatedAt: at(15),
    });
  });
});
