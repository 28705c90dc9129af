/** The status and priority catalogue of the Lead API (reference section 6.4), keyed by wire key. */
export interface Badge {
  readonly key: string;
  readonly display: string;
  readonly color: string;
}

export const STATUSES = {
  pending: { key: 'pending', display: 'Pending', color: '#eae22b' },
  in_progress: { key: 'in_progress', display: 'In Progress', color: '#ffa951' },
  resolved: { key: 'resolved', display: 'Resolved', color: '#20c3a6' },
  closed: { key: 'closed', display: 'Closed', color: '#41434c' },
} as const satisfies Record<string, Badge>;

// 'urgent' is in PriorityEnum but has no display/colour in the published catalogue; these are ours.
export const PRIORITIES = {
  low: { key: 'low', display: 'Low', color: '#fed766' },
  medium: { key: 'medium', display: 'Medium', color: '#f37736' },
  high: { key: 'high', display: 'High', color: '#fe4a49' },
  urgent: { key: 'urgent', display: 'Urgent', color: '#b80c09' },
} as const satisfies Record<string, Badge>;

export type StatusKey = keyof typeof STATUSES;
export type PriorityKey = keyof typeof PRIORITIES;
export const STATUS_KEYS = Object.keys(STATUSES) as StatusKey[];
export const PRIORITY_KEYS = Object.keys(PRIORITIES) as PriorityKey[];

/** History types a storefront caller may write (HistoryTypeEnum). */
export const HISTORY_TYPES = ['rating', 'log', 'comment', 'thread'] as const;
/**
 * An internal note: staff only. A type of its own rather than `comment` with a flag, so that it fails closed:
 * whatever does not know it (an older client, a consumer forwarding comments to the customer, the SLA reply
 * clock) does not take it for a public reply (docs/architecture.md, "internal notes are a history type").
 */
export const INTERNAL_NOTE = 'note';
/** History types staff may write: the storefront's and the internal note. */
export const STAFF_HISTORY_TYPES = [...HISTORY_TYPES, INTERNAL_NOTE] as const;
export type HistoryType = (typeof STAFF_HISTORY_TYPES)[number];

export const ASSET_TYPES = ['image', 'video', 'file', 'youtube', 'product', 'collection', 'brand', 'shipment', 'order'] as const;

/** A category key shown as itself when no catalogue names it: "order-issue" -> "Order Issue". */
export function categoryDisplay(key: string): string {
  return key
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}
