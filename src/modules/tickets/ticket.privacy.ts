import { FieldRule, SubjectsInput, declarePersonalData } from '../../platform/privacy/personal-data';
import { TicketEvent, TicketEventType, TicketNumbersMigrated } from './ticket.events';

/**
 * The personal data of ticket events, and whose it is (docs/privacy.md). A ticket's own fields (title,
 * description, attachments, what the opener sent) are its requester's; a history entry and feedback are their
 * author's; ids, keys, statuses and timestamps are not personal. The compiler refuses this file when a ticket
 * event gains a string field that is classified neither way.
 */
// Who wrote or opened something: the id is the pointer (kept, so scopes and erasure requests can find it); anything
// else a caller put in it (a name, an email) is personal.
const person = (role: 'requester' | 'author') => ({ '*': role, id: 'none', user_type: 'none' }) as const;
const content = {
  title: 'requester',
  description: 'requester',
  attachments: { display: 'requester', value: 'requester', type: 'none' },
} as const;
const edit = { ticket: 'none', changed_at: 'none' } as const;
// A `diff` entry (staff edits) holds the old and new values of the ticket's own fields: the requester's text.
const historyValue: FieldRule<{ type: string }> = (data) => (data.type === 'diff' ? 'requester' : 'author');

const idOf = (value: unknown): string | undefined => {
  const id = (value as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/** A ticket's requester: who it names as its opener, else the application's anonymous caller. */
export function ticketRequester(created: SubjectsInput | undefined): string | undefined {
  if (!created) return undefined;
  const applicationId = created.data.application_id;
  return idOf(created.data.created_by) ?? (typeof applicationId === 'string' ? `app:${applicationId}` : undefined);
}

export const ticketPersonalData = declarePersonalData<TicketEvent>({
  name: 'tickets',
  events: {
    TicketCreated: {
      id: 'none',
      ticket_id: 'none',
      group_id: 'none',
      company_id: 'none',
      application_id: 'none',
      source: 'none',
      content,
      // The custom form as it was (the company's text, not the requester's) and the category's names.
      category: 'none',
      status: 'none',
      priority: 'none',
      created_by: person('requester'),
      created_on: { user_agent: 'requester', platform: 'none' },
      tags: 'none',
      custom_json: 'requester',
      additional_info: 'requester',
      subscribers: 'none',
      response_id: 'none',
      assigned_to: 'none',
      access_key_sha256: 'none',
      created_at: 'none',
    },
    HistoryAppended: {
      id: 'none',
      ticket: 'none',
      type: 'none',
      value: historyValue,
      created_by: person('author'),
      created_on: { user_agent: 'author', platform: 'none' },
      created_at: 'none',
    },
    TicketStatusChanged: { ...edit, status: 'none' },
    TicketPriorityChanged: { ...edit, priority: 'none' },
    TicketAssigned: { ...edit, agent_id: 'none' },
    TicketUnassigned: { ...edit },
    TicketGroupChanged: { ...edit, group_id: 'none' },
    TicketTagsChanged: { ...edit, tags: 'none' },
    TicketCategoryChanged: { ...edit, category: 'none', sub_category: 'none' },
    TicketContentChanged: { ...edit, content },
    FeedbackSubmitted: {
      id: 'none',
      ticket: 'none',
      company_id: 'none',
      category: 'none',
      response: { display: 'none', key: 'none', value: 'author' },
      user: person('author'),
      created_at: 'none',
    },
  },
  subjects(event, history) {
    const requester = ticketRequester(event.type === 'TicketCreated' ? event : history[0]);
    if (event.type === 'HistoryAppended') return { requester, author: idOf(event.data.created_by) };
    if (event.type === 'FeedbackSubmitted') return { requester, author: idOf(event.data.user) };
    return { requester };
  },
});

/** The one-off numbering migration's events (ticket-number.migration.ts): ids and numbers only. */
export const ticketNumberingPersonalData = declarePersonalData<
  | TicketNumbersMigrated
  | { readonly type: typeof TicketEventType.TicketNumberingMigrated; readonly data: { companies: number; tickets: number } }
>({
  name: 'ticket-numbering',
  events: {
    TicketNumbersMigrated: { company_id: 'none', tickets: { id: 'none', ticket_id: 'none' } },
    TicketNumberingMigrated: {},
  },
  subjects: () => ({}),
});
