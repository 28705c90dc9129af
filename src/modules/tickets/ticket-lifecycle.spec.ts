import { DomainError } from '../../platform/command/domain-error';
import { STATUS_KEYS, StatusKey } from './ticket-catalogue';
import { assertTransition } from './ticket-lifecycle';

const allowed = (from: StatusKey, to: StatusKey) => {
  try {
    assertTransition(from, to);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'forbidden_transition', details: { from, to } });
    return false;
  }
};

describe('ticket status lifecycle', () => {
  it('allows exactly the documented transitions', () => {
    const matrix = Object.fromEntries(STATUS_KEYS.map((from) => [from, STATUS_KEYS.filter((to) => from !== to && allowed(from, to))]));
    expect(matrix).toEqual({
      pending: ['in_progress', 'resolved', 'closed'],
      in_progress: ['pending', 'resolved', 'closed'],
      resolved: ['in_progress', 'closed'],
      closed: ['in_progress'],
    });
  });

  it('staying in the same status is not a transition', () => {
    for (const status of STATUS_KEYS) expect(allowed(status, status)).toBe(true);
  });

  it('says why a move is refused', () => {
    expect(() => assertTransition('closed', 'resolved')).toThrow('a closed ticket can only be reopened (in_progress)');
    expect(() => assertTransition('resolved', 'pending')).toThrow('a resolved ticket can be reopened (in_progress) or closed');
  });
});
