import { formPersonalData } from './modules/forms/form.privacy';
import { privacyPersonalData } from './modules/privacy/privacy.events';
import { slaPersonalData } from './modules/sla/sla.privacy';
import { ticketPersonalData } from './modules/tickets/ticket.privacy';
import { videoPersonalData } from './modules/video/video-room.privacy';
import { webhookPersonalData } from './modules/webhooks/webhook.privacy';

/**
 * Every module's personal-data declaration (docs/privacy.md): the composition root's one list, handed to the
 * event store's personal-data layer, which seals personal fields on write. A module with events adds its
 * declaration here; an event type missing from every declaration has all its strings sealed as its author's
 * (and a warning), and `src/app.personal-data.spec.ts` fails.
 */
export const PERSONAL_DATA_DECLARATIONS = [
  ticketPersonalData,
  formPersonalData,
  videoPersonalData,
  webhookPersonalData,
  slaPersonalData,
  privacyPersonalData,
] as const;
