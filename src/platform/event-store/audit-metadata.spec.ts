import { actorOf } from '../auth/caller';
import { auditGaps } from './audit-metadata';

describe('audit metadata', () => {
  it('a staff user is recorded with the API client that vouches for them', () => {
    expect(actorOf({ kind: 'staff', companyId: '1', clientId: 'panel', userId: 'agent-7' })).toEqual({
      type: 'staff_user',
      id: 'agent-7',
      clientId: 'panel',
    });
    expect(actorOf({ kind: 'staff', companyId: '1', clientId: 'panel' })).toEqual({ type: 'staff_client', id: 'panel' });
  });

  it('auditGaps names what an event does not say', () => {
    expect(auditGaps({ actor: { type: 'robot' as 'system', id: 'x' }, occurredAt: 'yesterday' })).toEqual([
      'occurredAt',
      'correlationId',
      'causationId',
      'actor',
      'tenant',
      'source',
      'hash',
    ]);
  });
});
