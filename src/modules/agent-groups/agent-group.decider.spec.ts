import { deciderSpecification } from '../../../test/support/decider-specification';
import { AgentGroupCommand, MAX_GROUPS, agentGroupDecider } from './agent-group.decider';

const spec = deciderSpecification(agentGroupDecider);
const settings = (name: string, agents: string[] = []) => ({ name, description: '', agents });
const create = (id: string, name: string, agents: string[] = []): AgentGroupCommand => ({
  kind: 'create',
  companyId: '1',
  id,
  settings: settings(name, agents),
  by: 'agent-7',
  now: 'now',
});

describe('agent groups (decider)', () => {
  it('creates a group, each agent once, in the order given', () => {
    spec
      .given([])
      .when(create('g1', 'Billing', ['a', 'b', 'a']))
      .then((events, after) => {
        expect(events).toEqual([
          {
            type: 'AgentGroupCreated',
            data: {
              id: 'g1',
              company_id: '1',
              name: 'Billing',
              description: '',
              agents: ['a', 'b'],
              created_by: 'agent-7',
              created_at: 'now',
            },
          },
        ]);
        expect(after.groups.map((g) => g.id)).toEqual(['g1']);
      });
  });

  it('a create replayed with its id writes nothing; a name taken in any case is a conflict', () => {
    const given = spec.given([]).when(create('g1', 'Billing')).decided();
    spec.given(given).when(create('g1', 'Billing')).thenNothingHappens();
    spec.given(given).when(create('g2', 'BILLING')).thenRefuses('conflict');
  });

  it('edits replace name, description and agents; an edit may keep its own name; unknown groups are 404', () => {
    const given = [...spec.given([]).when(create('g1', 'Billing')).decided()];
    spec
      .given(given)
      .when({ kind: 'edit', id: 'g1', settings: settings('billing', ['c']), by: 'x', now: 'later' })
      .then((_events, after) => expect(after.groups[0]).toMatchObject({ name: 'billing', agents: ['c'], updated_at: 'later' }));
    spec
      .given(given)
      .when({ kind: 'edit', id: 'nope', settings: settings('x'), by: 'x', now: 'n' })
      .thenRefuses('not_found');
    spec
      .given(given)
      .when({ kind: 'edit', id: 'g1', settings: settings('Billing'), by: 'x', now: 'n' })
      .thenNothingHappens();
  });

  it('deletes a group; deleting it again is 404; its name is free again', () => {
    const given = spec.given([]).when(create('g1', 'Billing')).decided();
    const deleted = spec.given(given).when({ kind: 'delete', id: 'g1', by: 'x', now: 'n' }).decided();
    spec
      .given([...given, ...deleted])
      .when({ kind: 'delete', id: 'g1', by: 'x', now: 'n' })
      .thenRefuses('not_found');
    expect(
      spec
        .given([...given, ...deleted])
        .when(create('g2', 'Billing'))
        .decided(),
    ).toHaveLength(1);
  });

  it(`holds at most ${MAX_GROUPS} groups per company`, () => {
    const groups = Array.from({ length: MAX_GROUPS }, (_, i) => ({
      id: `g${i}`,
      name: `n${i}`,
      description: '',
      agents: [],
      created_at: '',
      updated_at: '',
    }));
    spec.givenState({ groups }).when(create('new', 'New')).thenRefuses('limit');
  });
});
