import { PriorityKey } from '../tickets';
import { CreatedOn, TicketAsset } from '../tickets';
import { FormInput } from './form-inputs';

/**
 * Custom-form events. The `type` strings are stored forever: never rename one, add a new type instead.
 * One stream per (application, slug) holds the form's definitions and its submissions, so a submission is
 * decided against the definition it was validated with, and the submission count (round-robin assignment)
 * is read from the log.
 */
export const FormEventType = {
  FormCreated: 'FormCreated',
  FormEdited: 'FormEdited',
  FormDeleted: 'FormDeleted',
  FormSubmitted: 'FormSubmitted',
} as const;

export interface PollForAssignment {
  readonly duration: number;
  readonly message: string;
  readonly success_message: string;
  readonly failure_message: string;
}

export interface SubmitButton {
  readonly title: string;
  readonly title_color: string;
  readonly background_color: string;
}

/** What staff may change with PUT /form/{slug}; a FormEdited event carries all of it, resolved. */
export interface FormSettings {
  readonly title: string;
  readonly description: string;
  readonly header_image?: string;
  readonly priority: PriorityKey;
  readonly login_required: boolean;
  readonly should_notify: boolean;
  readonly success_message?: string;
  readonly submit_button?: SubmitButton;
  readonly inputs: readonly FormInput[];
  readonly available_assignees: readonly string[];
  /**
   * An agent group of the company (modules/agent-groups): the form's tickets go to it, and to its agents in
   * turn (round-robin by the form's submission count). When set, `available_assignees` is not used.
   */
  readonly group_id?: string;
  readonly poll_for_assignment?: PollForAssignment;
}

export interface FormCreated {
  readonly type: typeof FormEventType.FormCreated;
  readonly data: FormSettings & {
    /** The form's `_id`; a slug created again after a delete gets a new one. */
    readonly id: string;
    readonly company_id: string;
    readonly application_id: string;
    readonly slug: string;
    readonly created_by: string;
    readonly created_on: CreatedOn;
    readonly created_at: string;
  };
}

export interface FormEdited {
  readonly type: typeof FormEventType.FormEdited;
  readonly data: FormSettings & { readonly id: string; readonly edited_by: string; readonly edited_at: string };
}

export interface FormDeleted {
  readonly type: typeof FormEventType.FormDeleted;
  readonly data: { readonly id: string; readonly deleted_by: string; readonly deleted_at: string };
}

/** One answer of a submission, normalized (numbers as numbers, mobile as {code, number}). */
export interface ResponseValue {
  readonly key: string;
  readonly value: unknown;
}

export interface FormSubmitted {
  readonly type: typeof FormEventType.FormSubmitted;
  readonly data: {
    /** The stored response's `_id` (FormFieldDetails), also the ticket's `response_id`. */
    readonly response_id: string;
    /** Decided with the submission: the ticket opened for it has this `_id`, whoever writes it. */
    readonly ticket_id: string;
    readonly form_id: string;
    readonly response: readonly ResponseValue[];
    readonly attachments: readonly TicketAsset[];
    /**
     * Round-robin by submission count (see docs/api.md "Custom forms"): from the agents of the form's group
     * as they were at submission, or from `available_assignees` for a form without a group.
     */
    readonly assigned_to?: string;
    /** The form's agent group, when it names one that exists: the ticket is opened in it. */
    readonly group_id?: string;
    /** Anonymous submissions: SHA-256 (hex) of the access key of the ticket it opens (see ticket-access.ts). */
    readonly access_key_sha256?: string;
    readonly created_by: Record<string, unknown>;
    readonly created_on: CreatedOn;
    readonly created_at: string;
  };
}

export type FormEvent = FormCreated | FormEdited | FormDeleted | FormSubmitted;

export const formStream = (applicationId: string, slug: string) => `form-${applicationId}-${slug}`;
