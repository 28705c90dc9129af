import { Badge } from '../ticket-catalogue';
import { FeedbackResponseItem } from '../ticket.events';
import { TicketDoc, TicketHistoryDoc } from './ticket.views';

/** Page (reference 4.5). `next_id` is the cursor for the next page: pass it back as `before`. */
export interface Page {
  type: 'number';
  current: number;
  size: number;
  page_size: number;
  item_total: number;
  has_next: boolean;
  has_previous: boolean;
  next_id?: string;
}

/** Filter (reference 4.5): what a staff list can be narrowed by. */
export interface TicketFilters {
  statuses: Badge[];
  priorities: Badge[];
  /** Agents that tickets in scope are assigned to, as `{agent_id}` (the shape of Ticket.assigned_to). */
  assignees: { agent_id: string }[];
  categories: { key: string; display: string }[];
  /** The company's agent groups (queues), oldest first: the values of the list's `group` filter. */
  groups: { _id: string; name: string }[];
}

/** TicketList: which parts are present depends on the `items` and `filters` flags. */
export interface TicketList {
  items?: TicketDoc[];
  filters?: TicketFilters;
  page?: Page;
}

export interface TicketHistoryList {
  items: TicketHistoryDoc[];
  page: Page;
}

/** TicketFeedback (reference 4.8); `ticket_id` is the readable ticket number, as the model describes it. */
export interface TicketFeedbackDoc {
  _id: string;
  ticket_id: string;
  company_id: string;
  response: readonly FeedbackResponseItem[];
  category: string;
  user: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  createdAt: string;
  updatedAt: string;
}

export interface TicketFeedbackList {
  items: TicketFeedbackDoc[];
}

export function numberPage(current: number, size: number, total: number, shown: number, extra: Partial<Page> = {}): Page {
  const hasNext = (current - 1) * size + shown < total;
  return { type: 'number', current, size, page_size: size, item_total: total, has_next: hasNext, has_previous: current > 1, ...extra };
}
