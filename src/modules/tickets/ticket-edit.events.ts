import type { PriorityKey, StatusKey } from './ticket-catalogue';
import type { TicketContent } from './ticket.events';

/**
 * What staff change on a ticket, one event per kind of change, and the feedback given on it. The `type`
 * strings are stored forever. Each edit event carries the new value and when it changed; the old value is in
 * the `diff` history entry appended with them (the audit trail the API shows).
 */
export const TicketEditEventType = {
  TicketStatusChanged: 'TicketStatusChanged',
  TicketPriorityChanged: 'TicketPriorityChanged',
  TicketAssigned: 'TicketAssigned',
  TicketTagsChanged: 'TicketTagsChanged',
  TicketCategoryChanged: 'TicketCategoryChanged',
  TicketContentChanged: 'TicketContentChanged',
  FeedbackSubmitted: 'FeedbackSubmitted',
} as const;

type Edit<Type extends string, Data> = {
  readonly type: Type;
  /** `ticket` is the ticket's `_id`. */
  readonly data: { readonly ticket: string; readonly changed_at: string } & Data;
};

export type TicketStatusChanged = Edit<'TicketStatusChanged', { readonly status: StatusKey }>;
export type TicketPriorityChanged = Edit<'TicketPriorityChanged', { readonly priority: PriorityKey }>;
export type TicketAssigned = Edit<'TicketAssigned', { readonly agent_id: string }>;
export type TicketTagsChanged = Edit<'TicketTagsChanged', { readonly tags: readonly string[] }>;
export type TicketCategoryChanged = Edit<
  'TicketCategoryChanged',
  { readonly category: { readonly key: string; readonly display: string }; readonly sub_category?: string }
>;
export type TicketContentChanged = Edit<'TicketContentChanged', { readonly content: TicketContent }>;

export interface FeedbackResponseItem {
  readonly display: string;
  readonly key: string;
  readonly value: string;
}

export interface FeedbackSubmitted {
  readonly type: 'FeedbackSubmitted';
  readonly data: {
    /** The feedback's `_id`. */
    readonly id: string;
    readonly ticket: string;
    readonly company_id: string;
    readonly category: string;
    readonly response: readonly FeedbackResponseItem[];
    readonly user: Record<string, unknown>;
    readonly created_at: string;
  };
}

export type TicketEditEvent =
  | TicketStatusChanged
  | TicketPriorityChanged
  | TicketAssigned
  | TicketTagsChanged
  | TicketCategoryChanged
  | TicketContentChanged;

export type TicketDeskEvent = TicketEditEvent | FeedbackSubmitted;
