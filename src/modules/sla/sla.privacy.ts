import { declarePersonalData } from '../../platform/privacy/personal-data';
import { SlaConfigEvent, SlaTicketEvent } from './sla.events';

/** SLA policies, business hours and clocks: a company's configuration and timestamps, no personal data (docs/privacy.md). */
const config = { company_id: 'none', at: 'none' } as const;
const clock = { ticket: 'none', at: 'none' } as const;

export const slaPersonalData = declarePersonalData<SlaConfigEvent | SlaTicketEvent>({
  name: 'sla',
  events: {
    SlaPolicyCreated: { ...config, policy: 'none' },
    SlaPolicyUpdated: { ...config, policy: 'none' },
    SlaPolicyDeleted: { ...config, policy_id: 'none' },
    SlaPoliciesReordered: { ...config, order: 'none' },
    BusinessHoursSet: { ...config, hours: 'none' },
    SlaApplied: { ...clock, company_id: 'none', policy: 'none', hours: 'none', reason: 'none', facts: 'none' },
    SlaTargetActivated: { ...clock, target: 'none' },
    SlaClockPaused: { ...clock, status: 'none' },
    SlaClockResumed: { ...clock, status: 'none' },
    SlaTargetFulfilled: { ...clock, target: 'none' },
    SlaBreached: { ...clock, target: 'none', detected_at: 'none' },
  },
  subjects: () => ({}),
});
