import { Badge } from '../ticket-catalogue';
import { CreatedOn, TicketAsset } from '../ticket.events';

/** The Ticket document of the Lead API (reference 4.1), with the extras real servers send (4.1, section 9). */
export interface TicketDoc {
  _id: string;
  id: string;
  ticket_id: string;
  context: { company_id: string; application_id?: string };
  content: { title: string; description: string; attachments: readonly TicketAsset[] };
  category: { key: string; display: string; form?: unknown };
  sub_category?: string;
  source: 'sales_channel' | 'platform_panel';
  status: Badge;
  priority: Badge;
  created_by: Record<string, unknown>;
  assigned_to?: Record<string, unknown>;
  /** The agent group (queue) the ticket is in; absent when none. */
  group_id?: string;
  tags: readonly string[];
  created_on: CreatedOn;
  response_id?: string;
  video_room_id?: string;
  _custom_json: Record<string, unknown>;
  additional_info?: readonly Record<string, unknown>[];
  subscribers?: readonly string[];
  is_feedback_pending: boolean;
  created_at: string;
  updated_at: string;
  createdAt: string;
  updatedAt: string;
}

/** TicketHistory (reference 4.4); `ticket_id` is the readable number. */
export interface TicketHistoryDoc {
  _id: string;
  ticket_id: string;
  type: string;
  value: Record<string, unknown>;
  created_by: Record<string, unknown>;
  created_on: CreatedOn;
  created_at: string;
  updated_at: string;
  createdAt: string;
  updatedAt: string;
}
