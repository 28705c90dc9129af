import type { CreatedOn } from '../../platform/http/request-context';
import { HistoryType, INTERNAL_NOTE, PriorityKey, StatusKey } from './ticket-catalogue';

export type { CreatedOn };

/**
 * Ticket events. The `type` strings are stored forever: never rename one, add a new type instead.
 * Data is plain JSON (snake_case where it mirrors the wire format, so read models copy it as is).
 */
export const TicketEventType = {
  TicketCreated: 'TicketCreated',
  HistoryAppended: 'HistoryAppended',
  // What staff change on a ticket, one event per kind of change, and the feedback given on it. Each edit
  // event carries the new value and when it changed; the old value is in the `diff` history entry appended
  // with them (the audit trail the API shows).
  TicketStatusChanged: 'TicketStatusChanged',
  TicketPriorityChanged: 'TicketPriorityChanged',
  TicketAssigned: 'TicketAssigned',
  // The agent taken off the ticket (it may stay in its group).
  TicketUnassigned: 'TicketUnassigned',
  // The ticket moved to an agent group (queue), or out of every group (`group_id: null`).
  TicketGroupChanged: 'TicketGroupChanged',
  TicketTagsChanged: 'TicketTagsChanged',
  TicketCategoryChanged: 'TicketCategoryChanged',
  TicketContentChanged: 'TicketContentChanged',
  FeedbackSubmitted: 'FeedbackSubmitted',
  // On a company's ticket-number stream (`ticketNumbers`): the numbers tickets created before numbers were
  // recorded in TicketCreated had been given (a one-off migration), and where the sequence goes on from.
  TicketNumbersMigrated: 'TicketNumbersMigrated',
  // Once per store, when that migration is complete.
  TicketNumberingMigrated: 'TicketNumberingMigrated',
} as const;

export interface TicketAsset {
  readonly display?: string;
  readonly value: string;
  readonly type: string;
}

export interface TicketContent {
  readonly title: string;
  readonly description: string;
  readonly attachments: readonly TicketAsset[];
}

export interface TicketCreated {
  readonly type: typeof TicketEventType.TicketCreated;
  readonly data: {
    /** The ticket's `_id`. */
    readonly id: string;
    /**
     * The readable number (`"43"`), unique per company, decided when the ticket was written (from the
     * company's sequence, `ticketNumbers`). Absent from tickets created before numbers were recorded: theirs
     * are in the company's TicketNumbersMigrated events.
     */
    readonly ticket_id?: string;
    readonly company_id: string;
    readonly application_id?: string;
    readonly source: 'sales_channel' | 'platform_panel';
    readonly content: TicketContent;
    /** `form`: the custom form a submission opened this ticket from, as it was then. */
    readonly category: { readonly key: string; readonly display: string; readonly form?: Record<string, unknown> };
    readonly status: StatusKey;
    readonly priority: PriorityKey;
    readonly created_by: Record<string, unknown>;
    readonly created_on: CreatedOn;
    readonly tags: readonly string[];
    readonly custom_json?: Record<string, unknown>;
    readonly additional_info?: readonly Record<string, unknown>[];
    readonly subscribers?: readonly string[];
    /** Tickets opened by a custom-form submission: the stored response's `_id` and the form's pick of agent. */
    readonly response_id?: string;
    readonly assigned_to?: { readonly agent_id: string };
    /** Tickets opened by a form that names an agent group: that group (its agent is picked round-robin). */
    readonly group_id?: string;
    /** Tickets opened anonymously: SHA-256 (hex) of the access key given to the opener; never the key. */
    readonly access_key_sha256?: string;
    readonly created_at: string;
  };
}

export interface HistoryAppended {
  readonly type: typeof TicketEventType.HistoryAppended;
  readonly data: {
    /** The history entry's `_id`. */
    readonly id: string;
    /** The ticket's `_id`. */
    readonly ticket: string;
    /** `note`: an internal note, never shown to the storefront nor in the change feed (isInternalNote). */
    readonly type: HistoryType | 'diff';
    readonly value: Record<string, unknown>;
    readonly created_by: Record<string, unknown>;
    readonly created_on: CreatedOn;
    readonly created_at: string;
  };
}

type Edit<Type extends string, Data> = {
  readonly type: Type;
  /** `ticket` is the ticket's `_id`. */
  readonly data: { readonly ticket: string; readonly changed_at: string } & Data;
};

export type TicketStatusChanged = Edit<'TicketStatusChanged', { readonly status: StatusKey }>;
export type TicketPriorityChanged = Edit<'TicketPriorityChanged', { readonly priority: PriorityKey }>;
export type TicketAssigned = Edit<'TicketAssigned', { readonly agent_id: string }>;
export type TicketUnassigned = Edit<'TicketUnassigned', object>;
export type TicketGroupChanged = Edit<'TicketGroupChanged', { readonly group_id: string | null }>;
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
  | TicketUnassigned
  | TicketGroupChanged
  | TicketTagsChanged
  | TicketCategoryChanged
  | TicketContentChanged;

export type TicketDeskEvent = TicketEditEvent | FeedbackSubmitted;

export type TicketEvent = TicketCreated | HistoryAppended | TicketDeskEvent;

export const ticketStream = (ticketId: string) => `ticket-${ticketId}`;

/**
 * A company's ticket-number sequence: its name and stream. A category of its own (not `ticket-`), so the
 * change feed and a ticket's audit trail do not take it for a ticket's stream.
 */
export const ticketNumbers = (companyId: string) => `ticketnumbers-${companyId}`;

export interface TicketNumbersMigrated {
  readonly type: typeof TicketEventType.TicketNumbersMigrated;
  readonly data: {
    readonly company_id: string;
    /** Tickets of the company and the numbers the read model gave them, in number order. */
    readonly tickets: readonly { readonly id: string; readonly ticket_id: string }[];
    /** The highest number given so far: the sequence goes on from here (see platform/event-store/sequences.ts). */
    readonly last: number;
  };
}

/**
 * Whether a stored event is an internal note (a HistoryAppended of type `note`): staff routes show it; the
 * storefront, the change feed's public form and webhook deliveries never do.
 */
export function isInternalNote(event: { readonly type: string; readonly data: unknown }): boolean {
  return event.type === TicketEventType.HistoryAppended && (event.data as { type?: unknown } | null)?.type === INTERNAL_NOTE;
}
