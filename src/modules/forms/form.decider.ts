import { assertNever } from '../../platform/command/assert-never';
import { DomainError } from '../../platform/command/domain-error';
import { CreatedOn, TicketAsset } from '../tickets';
import { SubmittedItem, checkSubmission } from './form-submission';
import { FormCreated, FormEvent, FormEventType, FormSettings, FormSubmitted } from './form.events';

/** The form as it stands: its last definition (kept after a delete, for the answer to DELETE). */
export type FormRecord = FormCreated['data'] & { readonly updated_at: string };

export interface FormState {
  readonly status: 'none' | 'active' | 'deleted';
  readonly form?: FormRecord;
  /** Submissions over the stream's whole life; drives round-robin assignment. */
  readonly submissions: number;
}

export const initialFormState: FormState = { status: 'none', submissions: 0 };

export type CreateForm = { readonly kind: 'CreateForm'; readonly data: FormCreated['data'] };
export type EditForm = { readonly kind: 'EditForm'; readonly settings: FormSettings; readonly editedBy: string; readonly now: string };
export type DeleteForm = { readonly kind: 'DeleteForm'; readonly deletedBy: string; readonly now: string };
export type SubmitForm = {
  readonly kind: 'SubmitForm';
  readonly responseId: string;
  readonly ticketId: string;
  readonly response: readonly SubmittedItem[];
  readonly attachments: readonly TicketAsset[];
  /** The signed-in storefront user, if any: a login_required form refuses anonymous submissions. */
  readonly userId?: string;
  /** Anonymous submissions: the hash of the access key its ticket will take. */
  readonly accessKeySha256?: string;
  /** The form's agent group as it stands (read before deciding), if the form names one and it exists. */
  readonly group?: { readonly id: string; readonly agents: readonly string[] };
  readonly createdBy: Record<string, unknown>;
  readonly createdOn: CreatedOn;
  readonly now: string;
};
export type FormCommand = CreateForm | EditForm | DeleteForm | SubmitForm;

export function decideForm(command: FormCommand, state: FormState): FormEvent[] {
  if (command.kind === 'CreateForm') {
    if (state.status === 'active') throw new DomainError('conflict', `A form with slug "${command.data.slug}" already exists`);
    // A slug deleted before may be created again: the stream goes on, the form gets a new _id.
    return [{ type: FormEventType.FormCreated, data: command.data }];
  }
  if (state.status !== 'active' || !state.form) throw new DomainError('not_found', 'Form not found');
  const form = state.form;
  switch (command.kind) {
    case 'EditForm':
      return [
        { type: FormEventType.FormEdited, data: { ...command.settings, id: form.id, edited_by: command.editedBy, edited_at: command.now } },
      ];
    case 'DeleteForm':
      return [{ type: FormEventType.FormDeleted, data: { id: form.id, deleted_by: command.deletedBy, deleted_at: command.now } }];
    case 'SubmitForm':
      return [submit(command, form, state.submissions)];
    default:
      return assertNever(command);
  }
}

function submit(command: SubmitForm, form: FormRecord, submissions: number): FormSubmitted {
  if (form.login_required && !command.userId)
    throw new DomainError('unauthorized', `Form "${form.slug}" takes submissions from signed-in users only`);
  const { values, errors } = checkSubmission(form.inputs, command.response);
  if (errors.length > 0) {
    throw new DomainError('invalid', `Invalid response: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
  }
  const { group_id, assigned_to } = assignmentOf(form, command.group, submissions);
  return {
    type: FormEventType.FormSubmitted,
    data: {
      response_id: command.responseId,
      ticket_id: command.ticketId,
      form_id: form.id,
      response: values,
      attachments: command.attachments,
      ...(assigned_to !== undefined ? { assigned_to } : {}),
      ...(group_id !== undefined ? { group_id } : {}),
      ...(command.accessKeySha256 ? { access_key_sha256: command.accessKeySha256 } : {}),
      created_by: command.createdBy,
      created_on: command.createdOn,
      created_at: command.now,
    },
  };
}

/**
 * Who a submission's ticket goes to: a form naming an agent group opens it in that group, with the group's
 * agents taken in turn (the n-th submission of the form takes agent n mod count); a form without a group
 * takes its `available_assignees` in turn, as before groups existed. A group read for another id (the form
 * was edited in between) or a deleted group assigns nothing.
 */
export function assignmentOf(
  form: Pick<FormRecord, 'group_id' | 'available_assignees'>,
  group: SubmitForm['group'],
  submissions: number,
): { group_id?: string; assigned_to?: string } {
  const inTurn = (agents: readonly string[]) => (agents.length > 0 ? { assigned_to: agents[submissions % agents.length] } : {});
  if (form.group_id === undefined) return inTurn(form.available_assignees);
  if (group?.id !== form.group_id) return {};
  return { group_id: group.id, ...inTurn(group.agents) };
}

export function evolveForm(state: FormState, event: FormEvent): FormState {
  switch (event.type) {
    case FormEventType.FormCreated:
      return { ...state, status: 'active', form: { ...event.data, updated_at: event.data.created_at } };
    case FormEventType.FormEdited: {
      if (!state.form) return state;
      // PUT replaces every setting: one left out of the edit takes its default, it does not linger.
      const { id: _id, edited_by: _by, edited_at, ...settings } = event.data;
      const { id, company_id, application_id, slug, created_by, created_on, created_at } = state.form;
      return {
        ...state,
        form: { id, company_id, application_id, slug, created_by, created_on, created_at, ...settings, updated_at: edited_at },
      };
    }
    case FormEventType.FormDeleted:
      return { ...state, status: 'deleted' };
    case FormEventType.FormSubmitted:
      return { ...state, submissions: state.submissions + 1 };
    default:
      return assertNever(event);
  }
}

export const formDecider = { initialState: initialFormState, evolve: evolveForm, decide: decideForm };
