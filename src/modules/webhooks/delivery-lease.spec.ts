import { deciderSpecification } from '../../../test/support/decider-specification';
import { LeaseCursor, LeaseEvent, leaseDecider, leaseIsFree } from './delivery-lease';

const spec = deciderSpecification(leaseDecider);
const T0 = 1_700_000_000_000;
const LEASE = 30_000;
const MARGIN = 5_000;
const claimBy = (owner: string, now: number, holderGone = false) =>
  ({ kind: 'Claim', subscriptionId: 'wh_1', owner, now, leaseMs: LEASE, marginMs: MARGIN, holderGone }) as const;
const cursor: LeaseCursor = { scanned: '42', pending: [['ticket-a', 3, 'dlv_1', 2, T0, T0 + 1_000]] };
const claimedByA: LeaseEvent = {
  type: 'WebhookLeaseClaimed',
  data: { subscription_id: 'wh_1', owner: 'A', expires_at: T0 + LEASE, cursor: null },
};
const recordedByA: LeaseEvent = {
  type: 'WebhookLeaseRenewed',
  data: { subscription_id: 'wh_1', owner: 'A', expires_at: T0 + 10_000 + LEASE, cursor },
};

describe('webhook delivery lease decider', () => {
  it('claims a lease nobody holds, until its clock plus the lease', () => {
    spec
      .given()
      .when(claimBy('A', T0))
      .then([{ type: 'WebhookLeaseClaimed', data: { subscription_id: 'wh_1', owner: 'A', expires_at: T0 + LEASE, cursor: null } }]);
  });

  it('refuses a claim while another owner holds it, up to its expiry plus the margin', () => {
    spec
      .given([claimedByA])
      .when(claimBy('B', T0 + 1))
      .thenRefuses('conflict');
    spec
      .given([claimedByA])
      .when(claimBy('B', T0 + LEASE + 1))
      .thenRefuses('conflict');
    spec
      .given([claimedByA])
      .when(claimBy('B', T0 + LEASE + MARGIN))
      .thenRefuses('conflict');
  });

  it('lets another owner take an expired lease, and the new owner resumes from the last recorded cursor', () => {
    spec
      .given([claimedByA, recordedByA])
      .when(claimBy('B', T0 + 10_000 + LEASE + MARGIN + 1))
      .then((events, after) => {
        expect(events).toEqual([
          {
            type: 'WebhookLeaseClaimed',
            data: { subscription_id: 'wh_1', owner: 'B', expires_at: T0 + 10_000 + LEASE + MARGIN + 1 + LEASE, cursor },
          },
        ]);
        expect(after.owner).toBe('B');
        expect(after.cursor).toBe(cursor);
      });
  });

  it('lets another owner take it at once from a holder known to be gone, or after a release', () => {
    spec
      .given([claimedByA])
      .when(claimBy('B', T0 + 1, true))
      .then((events) => expect(events[0].data.owner).toBe('B'));
    const released = spec
      .given([claimedByA])
      .when({ kind: 'Release', subscriptionId: 'wh_1', owner: 'A', now: T0 + 5, cursor })
      .decided();
    expect(released).toEqual([
      { type: 'WebhookLeaseReleased', data: { subscription_id: 'wh_1', owner: null, expires_at: T0 + 5, cursor } },
    ]);
    spec
      .given([claimedByA, ...released])
      .when(claimBy('B', T0 + 6))
      .then((events, after) => {
        expect(after).toEqual({ owner: 'B', expiresAt: T0 + 6 + LEASE, cursor });
      });
  });

  it('renews: the owner moves its expiry and records its cursor; a renewal without a cursor keeps the recorded one', () => {
    const renewed = spec
      .given([claimedByA])
      .when({ kind: 'Renew', subscriptionId: 'wh_1', owner: 'A', now: T0 + 10_000, leaseMs: LEASE, cursor })
      .decided();
    expect(renewed).toEqual([recordedByA]);
    spec
      .given([claimedByA, recordedByA])
      .when({ kind: 'Renew', subscriptionId: 'wh_1', owner: 'A', now: T0 + 20_000, leaseMs: LEASE })
      .then((_events, after) => expect(after).toEqual({ owner: 'A', expiresAt: T0 + 20_000 + LEASE, cursor }));
    // The owner claiming again (a restart of the worker loop) is a renewal, whatever the time.
    spec
      .given([claimedByA])
      .when(claimBy('A', T0 + 1))
      .then((events) => expect(events[0].type).toBe('WebhookLeaseRenewed'));
  });

  it("refuses a stale owner's cursor write, renewal and release once another owner took the lease over", () => {
    const takenOver = spec
      .given([claimedByA])
      .when(claimBy('B', T0 + LEASE + MARGIN + 1))
      .decided();
    const history = [claimedByA, ...takenOver];
    spec
      .given(history)
      .when({ kind: 'Renew', subscriptionId: 'wh_1', owner: 'A', now: T0 + LEASE + MARGIN + 2, leaseMs: LEASE, cursor })
      .thenRefuses('conflict');
    spec
      .given(history)
      .when({ kind: 'Renew', subscriptionId: 'wh_1', owner: 'A', now: T0 + LEASE + MARGIN + 2, leaseMs: LEASE })
      .thenRefuses('conflict');
    spec
      .given(history)
      .when({ kind: 'Release', subscriptionId: 'wh_1', owner: 'A', now: T0 + LEASE + MARGIN + 2, cursor })
      .thenRefuses('conflict');
    // Nor may anyone renew a released lease without claiming it first.
    spec
      .given([claimedByA, { type: 'WebhookLeaseReleased', data: { subscription_id: 'wh_1', owner: null, expires_at: T0, cursor } }])
      .when({ kind: 'Renew', subscriptionId: 'wh_1', owner: 'A', now: T0 + 1, leaseMs: LEASE })
      .thenRefuses('conflict');
  });

  it('judges expiry by the recorded expiry plus the margin', () => {
    const held = { owner: 'A', expiresAt: T0, cursor: null };
    expect(leaseIsFree(held, T0 + MARGIN, MARGIN)).toBe(false);
    expect(leaseIsFree(held, T0 + MARGIN + 1, MARGIN)).toBe(true);
    expect(leaseIsFree({ ...held, owner: null }, T0 - 1, MARGIN)).toBe(true);
  });
});
