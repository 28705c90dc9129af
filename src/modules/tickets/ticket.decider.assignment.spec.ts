import { deciderSpecification } from '../../../test/support/decider-specification';
import { CreateTicket, EditTicket, TicketChanges, decideAssignment, ticketDecider } from './ticket.decider';
import { TicketCreated, TicketEvent } from './ticket.events';

const spec = deciderSpecification(ticketDecider);

const create = (extra: Partial<CreateTicket['ticket']> = {}): CreateTicket => ({
  kind: 'CreateTicket',
  ticket: {
    id: 't1',
    company_id: '1',
    source: 'sales_channel',
    title: 'Late',
    category: 'order',
    created_by: {},
    created_on: { user_agent: 'ua' },
    created_at: 'then',
    ...extra,
  },
});
const created = (extra: Partial<CreateTicket['ticket']> = {}) => spec.given([]).when(create(extra)).decided() as [TicketCreated];
const edit = (changes: TicketChanges): EditTicket => ({
  kind: 'EditTicket',
  changes,
  historyId: 'h1',
  createdBy: { id: 'agent' },
  createdOn: { user_agent: 'ua' },
  now: 'now',
});
const at = { ticket: 't1', changed_at: 'now' };
const diffOf = (events: TicketEvent[]) => events.find((e) => e.type === 'HistoryAppended')?.data as { value: unknown } | undefined;

describe('ticket assignment (decider): agent and group, each set or cleared on its own', () => {
  it('unassigns the agent: TicketUnassigned and a diff [agent, null]; the group stays', () => {
    const given = [
      ...created({ group_id: 'g1' }),
      ...spec
        .given(created())
        .when(edit({ assigned_to: { agent_id: 'a1' } }))
        .decided(),
    ];
    spec
      .given(given)
      .when(edit({ assigned_to: null }))
      .then((events, after) => {
        expect(events[0]).toEqual({ type: 'TicketUnassigned', data: at });
        expect(diffOf(events)?.value).toEqual({ assigned_to: ['a1', null] });
        expect(after).toMatchObject({ groupId: 'g1' });
        expect(after).not.toHaveProperty('assignedTo');
      });
  });

  it('unassigning a ticket without an agent, or naming its current group, changes nothing', () => {
    spec
      .given(created({ group_id: 'g1' }))
      .when(edit({ assigned_to: null, group_id: 'g1' }))
      .thenNothingHappens();
  });

  it('moves the ticket to a group and out of it: TicketGroupChanged with the id, then null', () => {
    const into = spec
      .given(created())
      .when(edit({ group_id: 'g2' }))
      .decided();
    expect(into[0]).toEqual({ type: 'TicketGroupChanged', data: { ...at, group_id: 'g2' } });
    expect(diffOf(into)?.value).toEqual({ group_id: [null, 'g2'] });
    spec
      .given([...created(), ...into])
      .when(edit({ group_id: null }))
      .then((events, after) => {
        expect(events[0]).toEqual({ type: 'TicketGroupChanged', data: { ...at, group_id: null } });
        expect(after).not.toHaveProperty('groupId');
      });
  });

  it('a form-built ticket starts with its agent and group: assigning the same agent again is no change', () => {
    spec
      .given(created({ assigned_to: { agent_id: 'a1' }, group_id: 'g1' }))
      .when(edit({ assigned_to: { agent_id: 'a1' }, group_id: 'g1' }))
      .thenNothingHappens();
  });

  it('decideAssignment sets a group and an agent together, one event each', () => {
    const { events, diff } = decideAssignment({ assigned_to: { agent_id: 'a2' }, group_id: 'g3' }, { assignedTo: 'a1' }, at);
    expect(events.map((e) => e.type)).toEqual(['TicketAssigned', 'TicketGroupChanged']);
    expect(diff).toEqual({ assigned_to: ['a1', 'a2'], group_id: [null, 'g3'] });
  });
});
