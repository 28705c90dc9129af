import { FormRecord } from './form.decider';
import { FormSubmitted } from './form.events';
import { XSS_PAYLOADS, formCreated, unescapeHtml } from '../../../test/support/form-fixtures';
import { describeResponse, ticketFromSubmission } from './form-ticket';

const form = (display: string): FormRecord => ({
  ...formCreated({
    inputs: [
      { key: 'a', display, type: 'text' },
      { key: 'pick', display: 'Pick', type: 'radio', enum: [{ display, key: 'k' }] },
    ],
  }).data,
  updated_at: 'now',
});
const submitted = (value: string, more: Partial<FormSubmitted['data']> = {}): FormSubmitted['data'] => ({
  response_id: 'r1',
  ticket_id: 't1',
  form_id: 'f1',
  response: [
    { key: 'a', value },
    { key: 'pick', value: 'k' },
  ],
  attachments: [],
  created_by: { id: 'u1' },
  created_on: { user_agent: 'ua' },
  created_at: 'then',
  ...more,
});

describe('ticket from a submission', () => {
  it('follows the Lead server: title, one <b>label</b>: answer<br> per input, category with the form, tags, priority', () => {
    const ticket = ticketFromSubmission(form('Name'), submitted('Ann', { assigned_to: 'agent-1' }));
    expect(ticket).toMatchObject({
      id: 't1',
      source: 'sales_channel',
      title: 'Contact us Response',
      description: '<b>Name</b>: Ann<br><b>Pick</b>: Name<br>',
      attachments: [],
      category: { key: 'contact', display: 'Contact us', form: { _id: 'f1', slug: 'contact', priority: { key: 'high' } } },
      tags: ['contact'],
      priority: 'high',
      status: 'in_progress',
      response_id: 'r1',
      assigned_to: { agent_id: 'agent-1' },
      created_by: { id: 'u1' },
    });
    expect(ticketFromSubmission(form('Name'), submitted('Ann')).status).toBe('pending');
  });

  it.each(XSS_PAYLOADS)('escapes every answer and label: %s', (payload) => {
    const html = describeResponse(form(payload).inputs, submitted(payload));
    const parts = html.split(/<\/?b>|<br>/).filter((p) => p !== '' && p !== ': ');
    // Only the markup written by describeResponse is left; all the rest is text, and reads back as sent.
    expect(html.replace(/<\/?b>|<br>/g, '')).not.toMatch(/[<>"']/);
    expect(parts.map(unescapeHtml)).toEqual([payload, `: ${payload}`, 'Pick', `: ${payload}`]);
  });
});
