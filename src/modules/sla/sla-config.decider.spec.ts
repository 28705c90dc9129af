import { deciderSpecification } from '../../../test/support/decider-specification';
import { PolicyInput, SlaConfigCommand, matchPolicy, slaConfigDecider } from './sla-config.decider';

const spec = deciderSpecification(slaConfigDecider);
const now = '2026-03-02T10:00:00.000Z';
const input = (name: string, condition = {}): PolicyInput => ({
  name,
  condition,
  targets: { first_reply: { minutes: 60, time: 'business' } },
  pause_statuses: ['resolved'],
});
const create = (id: string, name: string, condition = {}): SlaConfigCommand => ({
  kind: 'create',
  companyId: '1',
  id,
  policy: input(name, condition),
  now,
});
const two = [
  ...spec
    .given()
    .when(create('a', 'Urgent', { priorities: ['urgent'] }))
    .decided(),
];
two.push(...spec.given(two).when(create('b', 'Everything')).decided());

describe('slaConfigDecider', () => {
  it('creates policies in order, version 1; a repeated create of the same id writes nothing', () => {
    expect(spec.given(two).state.policies.map((p) => [p.id, p.version])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    spec.given(two).when(create('a', 'Urgent')).thenNothingHappens();
  });

  it('bumps the version on update; refuses unknown ids', () => {
    spec
      .given(two)
      .when({ kind: 'update', companyId: '1', id: 'a', policy: input('Urgent!'), now })
      .then((_e, after) => expect(after.policies[0]).toMatchObject({ name: 'Urgent!', version: 2 }));
    spec
      .given(two)
      .when({ kind: 'update', companyId: '1', id: 'zz', policy: input('x'), now })
      .thenRefuses('not_found');
    spec.given(two).when({ kind: 'delete', companyId: '1', id: 'zz', now }).thenRefuses('not_found');
  });

  it('reorders with a permutation of every id, and first match follows the order', () => {
    spec
      .given(two)
      .when({ kind: 'reorder', companyId: '1', order: ['a'], now })
      .thenRefuses('invalid');
    spec
      .given(two)
      .when({ kind: 'reorder', companyId: '1', order: ['a', 'b'], now })
      .thenNothingHappens();
    spec
      .given(two)
      .when({ kind: 'reorder', companyId: '1', order: ['b', 'a'], now })
      .then((_e, after) => {
        expect(matchPolicy(after.policies, { priority: 'urgent', category: 'x' })!.id).toBe('b');
      });
    expect(matchPolicy(spec.given(two).state.policies, { priority: 'urgent', category: 'x' })!.id).toBe('a');
    expect(matchPolicy(spec.given(two).state.policies, { priority: 'low', category: 'x' })!.id).toBe('b');
  });

  it('matches on category and application too; an empty list matches anything', () => {
    const policies = spec.given(
      spec
        .given()
        .when(create('c', 'App A orders', { categories: ['orders'], application_ids: ['A'] }))
        .decided(),
    ).state.policies;
    expect(matchPolicy(policies, { priority: 'low', category: 'orders', application_id: 'A' })?.id).toBe('c');
    expect(matchPolicy(policies, { priority: 'low', category: 'orders' })).toBeUndefined();
    expect(matchPolicy(policies, { priority: 'low', category: 'refunds', application_id: 'A' })).toBeUndefined();
  });
});
