import { auditGaps } from '../event-store/audit-metadata';
import { systemContext } from './system-context';

describe('systemContext', () => {
  it('gives background work every audit field, with actor system', () => {
    const context = systemContext('auto-close', { tenant: { companyId: '1' } });
    expect(auditGaps({ ...context.metadata, hash: 'h' })).toEqual([]);
    expect(context.metadata).toMatchObject({
      actor: { type: 'system', id: 'auto-close' },
      tenant: { companyId: '1' },
      causationId: context.commandId,
      source: { platform: 'system', user_agent: 'lead-service/auto-close', pid: process.pid },
    });
  });

  it('work caused by an event carries its correlation on and names it as the cause, once per event', () => {
    const cause = { id: 'event-1', metadata: { correlationId: 'conversation-9' } };
    const one = systemContext('sla-monitor', { tenant: { companyId: '1' }, causedBy: cause });
    const again = systemContext('sla-monitor', { tenant: { companyId: '1' }, causedBy: cause });
    expect(one.metadata).toMatchObject({ correlationId: 'conversation-9', causationId: 'event-1' });
    expect(again.commandId).toBe(one.commandId);
  });

  it('work caused by an event carries its trace context on (the parent of the command span), and none when it had none', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const traced = systemContext('sla-monitor', {
      tenant: { companyId: '1' },
      causedBy: { id: 'event-1', metadata: { traceparent, tracestate: 'lead=1' } },
    });
    expect(traced.metadata).toMatchObject({ traceparent, tracestate: 'lead=1' });
    const untraced = systemContext('sla-monitor', { tenant: { companyId: '1' }, causedBy: { id: 'event-2', metadata: {} } });
    expect(Object.keys(untraced.metadata)).not.toContain('traceparent');
  });
});
