import { declarePersonalData } from '../../platform/privacy/personal-data';
import { FormEvent } from './form.events';

/**
 * The personal data of custom-form events (docs/privacy.md). A form's definition is the company's text, not
 * personal; a submission's answers, attachments and whatever its sender put in `created_by` are the sender's
 * (the requester of the ticket it opens). The compiler refuses this file when a form event gains a string
 * field classified neither way.
 */
const settings = {
  group_id: 'none',
  title: 'none',
  description: 'none',
  header_image: 'none',
  priority: 'none',
  success_message: 'none',
  submit_button: 'none',
  inputs: 'none',
  available_assignees: 'none',
  poll_for_assignment: 'none',
} as const;

const idOf = (value: unknown): string | undefined => {
  const id = (value as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

export const formPersonalData = declarePersonalData<FormEvent>({
  name: 'forms',
  events: {
    FormCreated: {
      ...settings,
      id: 'none',
      company_id: 'none',
      application_id: 'none',
      slug: 'none',
      created_by: 'none',
      created_on: { user_agent: 'author', platform: 'none' },
      created_at: 'none',
    },
    FormEdited: { ...settings, id: 'none', edited_by: 'none', edited_at: 'none' },
    FormDeleted: { id: 'none', deleted_by: 'none', deleted_at: 'none' },
    FormSubmitted: {
      response_id: 'none',
      ticket_id: 'none',
      form_id: 'none',
      response: { key: 'none', value: 'requester' },
      attachments: { display: 'requester', value: 'requester', type: 'none' },
      assigned_to: 'none',
      group_id: 'none',
      access_key_sha256: 'none',
      created_by: { '*': 'requester', id: 'none', user_type: 'none' },
      created_on: { user_agent: 'requester', platform: 'none' },
      created_at: 'none',
    },
  },
  // The sender of a submission (its named user, else the actor: the application's anonymous caller).
  subjects: (event) => (event.type === 'FormSubmitted' ? { requester: idOf(event.data.created_by) } : {}),
});
