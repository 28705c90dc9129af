import { formPersonalData } from './modules/forms/form.privacy';
import { privacyPersonalData } from './modules/privacy/privacy.events';
import { slaPersonalData } from './modules/sla/sla.privacy';
import { ticketNumberingPersonalData, ticketPersonalData } from './modules/tickets/ticket.privacy';
import { agentGroupPersonalData } from './modules/agent-groups/agent-group.privacy';
import { attachmentPersonalData } from './modules/attachments/attachment.privacy';
import { declarePersonalData } from './platform/privacy/personal-data';
import { videoPersonalData } from './modules/video/video-room.privacy';
import { webhookLeasePersonalData, webhookPersonalData } from './modules/webhooks/webhook.privacy';

/**
 * Every module's personal-data declaration (docs/privacy.md): the composition root's one list, handed to the
 * event store's personal-data layer, which seals personal fields on write. A module with events adds its
 * declaration here; an event type missing from every declaration has all its strings sealed as its author's
 * (and a warning), and `src/app.personal-data.spec.ts` fails.
 */
/** A number reserved in a sequence stream (platform/event-store/sequences.ts, EventStoreDB): numbers only. */
const sequencePersonalData = declarePersonalData<{ readonly type: 'SequenceNumberReserved'; readonly data: { last: number } }>({
  name: 'sequences',
  events: { SequenceNumberReserved: {} },
  subjects: () => ({}),
});

export const PERSONAL_DATA_DECLARATIONS = [
  ticketPersonalData,
  ticketNumberingPersonalData,
  agentGroupPersonalData,
  attachmentPersonalData,
  webhookLeasePersonalData,
  sequencePersonalData,
  formPersonalData,
  videoPersonalData,
  webhookPersonalData,
  slaPersonalData,
  privacyPersonalData,
] as const;
