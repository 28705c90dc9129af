import { PERSONAL_DATA_DECLARATIONS } from './app.personal-data';
import { FormEventType } from './modules/forms/form.events';
import { PrivacyEventType } from './modules/privacy/privacy.events';
import { SlaEventType } from './modules/sla/sla.events';
import { TicketEventType } from './modules/tickets/ticket.events';
import { VideoRoomEventType } from './modules/video/video-room.events';
import { WebhookEventType } from './modules/webhooks/webhook.events';
import { WebhookLeaseEventType } from './modules/webhooks/delivery-lease';
import { AgentGroupEventType } from './modules/agent-groups/agent-group.events';
import { AttachmentEventType } from './modules/attachments/attachment.events';
import { SequenceEventType } from './platform/event-store/sequences';

/**
 * Every event type the service writes is declared, once. Within a declaration the compiler checks that every
 * string field is classified (personal-data.ts `FieldDeclarations`); test/privacy-erasure.e2e-spec.ts walks
 * every event of a full scenario's log with `undeclaredPaths`.
 */
const REGISTERED = [
  TicketEventType,
  FormEventType,
  VideoRoomEventType,
  WebhookEventType,
  WebhookLeaseEventType,
  SlaEventType,
  PrivacyEventType,
  AgentGroupEventType,
  AttachmentEventType,
  SequenceEventType,
].flatMap((types) => Object.values(types) as string[]);

describe('personal data declarations', () => {
  const declared = PERSONAL_DATA_DECLARATIONS.flatMap((d) => Object.keys(d.events));

  it('declare every registered event type', () => {
    expect(REGISTERED.filter((type) => !declared.includes(type))).toEqual([]);
  });

  it('declare each type once, and no type that is not registered', () => {
    expect(declared.filter((type, i) => declared.indexOf(type) !== i)).toEqual([]);
    expect(declared.filter((type) => !REGISTERED.includes(type))).toEqual([]);
  });
});
