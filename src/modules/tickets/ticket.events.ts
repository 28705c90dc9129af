import { HistoryType, PriorityKey, StatusKey } from './ticket-catalogue';
import { TicketDeskEvent, TicketEditEventType } from './ticket-edit.events';

/**
 * Ticket events. The `type` strings are stored forever: never rename one, add a new type instead.
 * Data is plain JSON (snake_case where it mirrors the wire format, so read models copy it as is).
 */
export const TicketEventType = {
  TicketCreated: 'TicketCreated',
  HistoryAppended: 'HistoryAppended',
  ...TicketEditEventType,
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

export interface CreatedOn {
  readonly user_agent: string;
  readonly platform?: string;
}

export interface TicketCreated {
  readonly type: typeof TicketEventType.TicketCreated;
  readonly data: {
    /** The ticket's `_id`. Its readable number (`ticket_id` on the wire) is given by the read model. */
    readonly id: string;
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
    readonly type: HistoryType | 'diff';
    readonly value: Record<string, unknown>;
    readonly created_by: Record<string, unknown>;
    readonly created_on: CreatedOn;
    readonly created_at: string;
  };
}

export type TicketEvent = TicketCreated | HistoryAppended | TicketDeskEvent;

export const ticketStream = (ticketId: string) => `ticket-${ticketId}`;
