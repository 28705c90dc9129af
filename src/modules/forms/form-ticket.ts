import escapeHtml from 'escape-html';
import { OpenTicket } from '../tickets';
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
  return inputs.map((input) => `<b>${escapeHtml(input.display)}</b>: ${escapeHtml(answerText(input, answers.get(input.key)))}<br>`).join('');
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
