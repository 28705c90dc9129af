import { SubmitForm } from '../../src/modules/forms/form.decider';
import { FormCreated } from '../../src/modules/forms/form.events';

/** Plain test data shared by the forms specs. */
export function formCreated(more: Partial<FormCreated['data']> = {}): FormCreated {
  return {
    type: 'FormCreated',
    data: {
      id: 'f1',
      company_id: '1',
      application_id: 'app-a',
      slug: 'contact',
      title: 'Contact us',
      description: '',
      priority: 'high',
      login_required: false,
      should_notify: false,
      inputs: [
        { key: 'name', display: 'Name', type: 'text', required: true },
        {
          key: 'colour',
          display: 'Colour',
          type: 'checkbox',
          enum: [
            { display: 'Red', key: 'red' },
            { display: 'Blue', key: 'blue' },
          ],
        },
      ],
      available_assignees: [],
      created_by: 'staff-1',
      created_on: { user_agent: 'ua' },
      created_at: '2026-01-01T00:00:00.000Z',
      ...more,
    },
  };
}

export function submitForm(more: Partial<SubmitForm> = {}): SubmitForm {
  return {
    kind: 'SubmitForm',
    responseId: 'r1',
    ticketId: 't1',
    response: [{ key: 'name', value: 'Ann' }],
    attachments: [],
    createdBy: {},
    createdOn: { user_agent: 'ua' },
    now: '2026-01-02T00:00:00.000Z',
    ...more,
  };
}

/** Known XSS payloads (OWASP filter-evasion cheat sheet and friends), used as answers and as staff labels. */
export const XSS_PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg/onload=alert('x')>",
  '<iframe src="javascript:alert(1)"></iframe>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '<b onmouseover=alert(1)>bold</b>',
  '<<SCRIPT>alert("XSS");//<</SCRIPT>',
  '</b><br><script>alert(1)</script>',
  '<a href="javascript:alert(1)">x</a>',
  '\u003cscript\u003ealert(1)\u003c/script\u003e',
];

/** Reverses escape-html, to show an escaped text reads back exactly as it was sent. */
export const unescapeHtml = (html: string) =>
  html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
