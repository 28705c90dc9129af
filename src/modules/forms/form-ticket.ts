import escapeHtml from 'escape-html';
import { AppendTooLargeError, EventMetadata, appendSize } from '../../platform/event-store/event-store.port';
import { OpenTicket, ticketDecider, ticketStream } from '../tickets';
import { FormInput } from './form-inputs';
import { MobileValue } from './form-submission';
import { FormRecord } from './form.decider';
import { FormSubmitted } from './form.events';
import { customFormDoc } from './form.views';

/**
 * The ticket a submission opens (reference 6.1), as a pure function of the form as it was and the
 * FormSubmitted event. The request that stored the submission and the reconciler that finishes an interrupted
 * one both call it, so they write the very same ticket.
 */
export function ticketFromSubmission(form: FormRecord, submitted: FormSubmitted['data']): OpenTicket {
  return {
    id: submitted.ticket_id,
    company_id: form.company_id,
    application_id: form.application_id,
    source: 'sales_channel',
    title: `${form.title} Response`,
    description: describeResponse(form.inputs, submitted),
    attachments: submitted.attachments,
    category: { key: form.slug, display: form.title, form: { ...customFormDoc(form) } },
    // An agent picked from the form's assignees is on it already, as Lead servers show such tickets.
    status: submitted.assigned_to ? 'in_progress' : 'pending',
    priority: form.priority,
    created_by: submitted.created_by,
    created_on: submitted.created_on,
    tags: [form.slug],
    response_id: submitted.response_id,
    ...(submitted.assigned_to ? { assigned_to: { agent_id: submitted.assigned_to } } : {}),
    ...(submitted.group_id ? { group_id: submitted.group_id } : {}),
    ...(submitted.access_key_sha256 ? { access_key_sha256: submitted.access_key_sha256 } : {}),
    created_at: submitted.created_at,
  };
}

/**
 * `<b>{display}</b>: {answer}<br>` per input, in the form's order. The description is HTML that staff tools
 * render, so everything in it that did not come from this function is escaped: the answers (storefront users)
 * and the labels (staff). Only the `<b>` and `<br>` written here are markup.
 */
export function describeResponse(inputs: readonly FormInput[], submitted: FormSubmitted['data']): string {
  const answers = new Map(submitted.response.map((r) => [r.key, r.value]));
  return inputs
    .map((input) => `<b>${escapeHtml(input.display)}</b>: ${escapeHtml(answerText(input, answers.get(input.key)))}<br>`)
    .join('');
}

/** An answer as staff read it: the chosen options' labels, a phone number with its code. */
function answerText(input: FormInput, value: unknown): string {
  if (value === undefined) return '';
  const label = (key: unknown) => input.enum?.find((o) => o.key === key)?.display ?? String(key);
  switch (input.type) {
    case 'checkbox':
      return (value as unknown[]).map(label).join(', ');
    case 'dropdown':
    case 'radio':
      return label(value);
    case 'mobile': {
      const { code, number } = value as MobileValue;
      return `${code} ${number}`;
    }
    default:
      return String(value);
  }
}

/**
 * Room left for metadata the ticket's append carries beyond the submitting request's: the hash-chain link and the
 * reconciler's causation id, actor and time (see FormTicketReconciler), so a ticket that fits now fits then.
 */
const TICKET_METADATA_MARGIN = 512;

/**
 * The bytes the TicketCreated append of this submission takes as the store counts them (`appendSize`). A submission
 * whose ticket is larger than the store takes in one append is refused BEFORE it is stored: once stored, its
 * ticket could never be written, and the storefront would have been told "opened shortly" for nothing. Answers
 * are HTML-escaped into the description (`<` becomes `&lt;`), so the ticket can be several times the request.
 */
export function ticketAppendSize(form: FormRecord, submitted: FormSubmitted['data'], metadata: EventMetadata): number {
  // The very event the tickets module will decide (the decider is pure), sized as the store sizes it.
  const [created] = ticketDecider.decide(
    { kind: 'CreateTicket', ticket: ticketFromSubmission(form, submitted) },
    ticketDecider.initialState,
  );
  return appendSize([{ type: created.type, data: created.data, metadata }]) + TICKET_METADATA_MARGIN;
}

export function assertTicketFits(form: FormRecord, submitted: FormSubmitted['data'], metadata: EventMetadata, maxAppendSize: number): void {
  const size = ticketAppendSize(form, submitted, metadata);
  if (size > maxAppendSize) throw new AppendTooLargeError(ticketStream(submitted.ticket_id), size, maxAppendSize);
}
