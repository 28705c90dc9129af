import { Badge, PRIORITIES } from '../tickets';
import { CreatedOn } from '../tickets';
import { FormInput } from './form-inputs';
import { FormRecord } from './form.decider';
import { FormSubmitted, PollForAssignment, ResponseValue, SubmitButton } from './form.events';

/** The CustomForm document of the Lead API (reference 4.6), with the extras real servers send. */
export interface CustomFormDoc {
  _id: string;
  id: string;
  application_id: string;
  slug: string;
  title: string;
  description: string;
  header_image?: string;
  priority: Badge;
  login_required: boolean;
  should_notify: boolean;
  success_message?: string;
  submit_button?: SubmitButton;
  inputs: readonly FormInput[];
  available_assignees: readonly string[];
  group_id?: string;
  poll_for_assignment?: PollForAssignment;
  created_by: string;
  created_on: CreatedOn;
  created_at: string;
  updated_at: string;
  createdAt: string;
  updatedAt: string;
}

/** FormFieldDetails (reference 4.7): the stored response; `ticket_id` says which ticket it opens. */
export interface FormResponseDoc {
  _id: string;
  __v: 0;
  application_id: string;
  form_slug: string;
  ticket_id: string;
  response: readonly ResponseValue[];
  created_on: CreatedOn;
  created_at: string;
  createdAt: string;
}

/** One builder for the read model and for the copy a ticket embeds (`category.form`), so they never differ. */
export function customFormDoc(form: FormRecord): CustomFormDoc {
  return {
    _id: form.id,
    id: form.id,
    application_id: form.application_id,
    slug: form.slug,
    title: form.title,
    description: form.description,
    ...(form.header_image !== undefined ? { header_image: form.header_image } : {}),
    priority: PRIORITIES[form.priority],
    login_required: form.login_required,
    should_notify: form.should_notify,
    ...(form.success_message !== undefined ? { success_message: form.success_message } : {}),
    ...(form.submit_button ? { submit_button: form.submit_button } : {}),
    inputs: form.inputs,
    available_assignees: form.available_assignees,
    ...(form.group_id !== undefined ? { group_id: form.group_id } : {}),
    ...(form.poll_for_assignment ? { poll_for_assignment: form.poll_for_assignment } : {}),
    created_by: form.created_by,
    created_on: form.created_on,
    created_at: form.created_at,
    updated_at: form.updated_at,
    createdAt: form.created_at,
    updatedAt: form.updated_at,
  };
}

export function formResponseDoc(form: FormRecord, submitted: FormSubmitted['data']): FormResponseDoc {
  return {
    _id: submitted.response_id,
    __v: 0,
    application_id: form.application_id,
    form_slug: form.slug,
    ticket_id: submitted.ticket_id,
    response: submitted.response,
    created_on: submitted.created_on,
    created_at: submitted.created_at,
    createdAt: submitted.created_at,
  };
}
