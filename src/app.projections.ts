import { DeskProjection } from './modules/tickets/read-model/desk.projection';
import { FormProjection } from './modules/forms/form.projection';
import { TicketProjection } from './modules/tickets/read-model/ticket.projection';
import { VideoRoomProjection } from './modules/video/video-room.projection';
import { WebhookProjection } from './modules/webhooks/webhook.projection';
import { SlaProjection } from './modules/sla/sla.projection';
import { SlaHistoryProjection } from './modules/sla/sla-history.projection';
import { AttachmentProjection } from './modules/attachments/attachment.projection';

/**
 * Every projection, in feeding order: the composition root's one list, used by the service (app.module.ts)
 * and the projections CLI (projections.cli.ts). Add yours here and its module to the service's modules: it
 * gets its own subscription, checkpoint, blue/green rebuilds, health and metrics, and the CLI sees it. The CLI
 * builds them with `new` and without Nest (it starts in a second), so a projection takes no constructor
 * arguments: it gets its database in `init`. Keep this file free of other imports.
 */
export const PROJECTION_TYPES = [
  TicketProjection,
  VideoRoomProjection,
  DeskProjection,
  FormProjection,
  WebhookProjection,
  SlaProjection,
  SlaHistoryProjection,
  AttachmentProjection,
] as const;
