import { DomainError } from '../../platform/command/domain-error';
import { FormEvent, FormSubmitted } from './form.events';
import { FormState, decideForm, evolveForm, initialFormState } from './form.decider';
import { formCreated, submitForm } from '../../../test/support/form-fixtures';

const fold = (events: FormEvent[]): FormState => events.reduce(evolveForm, initialFormState);
const refusal = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};
const deleted: FormEvent = { type: 'FormDeleted', data: { id: 'f1', deleted_by: 's', deleted_at: 'later' } };

describe('form decider', () => {
  it('creates a form once; a second create of the slug is a conflict', () => {
    const created = formCreated();
    expect(decideForm({ kind: 'CreateForm', data: created.data }, initialFormState)).toEqual([created]);
    expect(refusal(() => decideForm({ kind: 'CreateForm', data: created.data }, fold([created]))).kind).toBe('conflict');
  });

  it('a deleted slug can be created again, as a new form, and the stream goes on', () => {
    const again = formCreated({ id: 'f2', title: 'Again' });
    const state = fold([formCreated(), deleted]);
    expect(state.status).toBe('deleted');
    expect(decideForm({ kind: 'CreateForm', data: again.data }, state)).toEqual([again]);
    const recreated = fold([formCreated(), deleted, again]);
    expect(recreated.status).toBe('active');
    expect(recreated.form).toMatchObject({ id: 'f2', title: 'Again' });
  });

  it('edit, delete and submit need an active form', () => {
    for (const state of [initialFormState, fold([formCreated(), deleted])]) {
      expect(refusal(() => decideForm({ kind: 'DeleteForm', deletedBy: 's', now: 'n' }, state)).kind).toBe('not_found');
      expect(refusal(() => decideForm(submitForm(), state)).kind).toBe('not_found');
      const settings = { ...formCreated().data };
      expect(refusal(() => decideForm({ kind: 'EditForm', settings, editedBy: 's', now: 'n' }, state)).kind).toBe('not_found');
    }
  });

  it('an edit replaces every setting: one left out takes its default', () => {
    const created = formCreated({ header_image: 'https://x/y.png', success_message: 'Thanks' });
    const { id: _id, company_id: _c, application_id: _a, slug: _s, created_by: _b, created_on: _o, created_at: _t, ...settings } = created.data;
    const { header_image: _h, success_message: _m, ...without } = settings;
    const [edited] = decideForm({ kind: 'EditForm', settings: { ...without, login_required: true }, editedBy: 's', now: 'n2' }, fold([created]));
    const form = fold([created, edited]).form!;
    expect(form).toMatchObject({ id: 'f1', slug: 'contact', login_required: true, updated_at: 'n2', created_at: created.data.created_at });
    expect(form.header_image).toBeUndefined();
    expect(form.success_message).toBeUndefined();
  });

  it('a login_required form refuses anonymous submissions', () => {
    const state = fold([formCreated({ login_required: true })]);
    expect(refusal(() => decideForm(submitForm(), state)).kind).toBe('unauthorized');
    expect(decideForm(submitForm({ userId: 'u1' }), state)).toHaveLength(1);
  });

  it('a submission that does not fit the form is refused with the broken fields', () => {
    const error = refusal(() => decideForm(submitForm({ response: [{ key: 'colour', value: ['green'] }] }), fold([formCreated()])));
    expect(error.kind).toBe('invalid');
    expect((error.details.errors as { field: string }[]).map((e) => e.field)).toEqual(['response.name', 'response.colour']);
  });

  it('assigns submissions round-robin over available_assignees, by submission count in the stream', () => {
    let events: FormEvent[] = [formCreated({ available_assignees: ['a1', 'a2'] })];
    const picks: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      const [submitted] = decideForm(submitForm({ responseId: `r${i}` }), fold(events)) as FormSubmitted[];
      picks.push(submitted.data.assigned_to);
      events = [...events, submitted];
    }
    expect(picks).toEqual(['a1', 'a2', 'a1', 'a2', 'a1']);
    expect(fold(events).submissions).toBe(5);
    const [none] = decideForm(submitForm(), fold([formCreated()])) as FormSubmitted[];
    expect(none.data).not.toHaveProperty('assigned_to');
  });
});
