import { deciderSpecification } from '../../../test/support/decider-specification';
import { formCreated, submitForm } from '../../../test/support/form-fixtures';
import { formDecider } from './form.decider';
import { FormEvent, FormSubmitted } from './form.events';

const spec = deciderSpecification(formDecider);
const deleted: FormEvent = { type: 'FormDeleted', data: { id: 'f1', deleted_by: 's', deleted_at: 'later' } };

describe('form decider', () => {
  it('creates a form once; a second create of the slug is a conflict', () => {
    const created = formCreated();
    spec.given([]).when({ kind: 'CreateForm', data: created.data }).then([created]);
    spec.given([created]).when({ kind: 'CreateForm', data: created.data }).thenRefuses('conflict');
  });

  it('a deleted slug can be created again, as a new form, and the stream goes on', () => {
    const again = formCreated({ id: 'f2', title: 'Again' });
    expect(spec.given([formCreated(), deleted]).state.status).toBe('deleted');
    spec
      .given([formCreated(), deleted])
      .when({ kind: 'CreateForm', data: again.data })
      .then((events, after) => {
        expect(events).toEqual([again]);
        expect(after.status).toBe('active');
        expect(after.form).toMatchObject({ id: 'f2', title: 'Again' });
      });
  });

  it('edit, delete and submit need an active form', () => {
    for (const given of [[], [formCreated(), deleted]]) {
      spec.given(given).when({ kind: 'DeleteForm', deletedBy: 's', now: 'n' }).thenRefuses('not_found');
      spec.given(given).when(submitForm()).thenRefuses('not_found');
      spec
        .given(given)
        .when({ kind: 'EditForm', settings: { ...formCreated().data }, editedBy: 's', now: 'n' })
        .thenRefuses('not_found');
    }
  });

  it('an edit replaces every setting: one left out takes its default', () => {
    const created = formCreated({ header_image: 'https://x/y.png', success_message: 'Thanks' });
    const {
      id: _id,
      company_id: _c,
      application_id: _a,
      slug: _s,
      created_by: _b,
      created_on: _o,
      created_at: _t,
      ...settings
    } = created.data;
    const { header_image: _h, success_message: _m, ...without } = settings;
    spec
      .given([created])
      .when({ kind: 'EditForm', settings: { ...without, login_required: true }, editedBy: 's', now: 'n2' })
      .then((_, after) => {
        expect(after.form).toMatchObject({
          id: 'f1',
          slug: 'contact',
          login_required: true,
          updated_at: 'n2',
          created_at: created.data.created_at,
        });
        expect(after.form!.header_image).toBeUndefined();
        expect(after.form!.success_message).toBeUndefined();
      });
  });

  it('a login_required form refuses anonymous submissions', () => {
    spec
      .given([formCreated({ login_required: true })])
      .when(submitForm())
      .thenRefuses('unauthorized');
    expect(
      spec
        .given([formCreated({ login_required: true })])
        .when(submitForm({ userId: 'u1' }))
        .decided(),
    ).toHaveLength(1);
  });

  it('a submission that does not fit the form is refused with the broken fields', () => {
    const when = spec.given([formCreated()]).when(submitForm({ response: [{ key: 'colour', value: ['green'] }] }));
    when.thenRefuses('invalid');
    expect(when.decided).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({
          errors: [expect.objectContaining({ field: 'response.name' }), expect.objectContaining({ field: 'response.colour' })],
        }),
      }),
    );
  });

  it('assigns submissions round-robin over available_assignees, by submission count in the stream', () => {
    let events: FormEvent[] = [formCreated({ available_assignees: ['a1', 'a2'] })];
    const picks: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      const [submitted] = spec
        .given(events)
        .when(submitForm({ responseId: `r${i}` }))
        .decided() as FormSubmitted[];
      picks.push(submitted.data.assigned_to);
      events = [...events, submitted];
    }
    expect(picks).toEqual(['a1', 'a2', 'a1', 'a2', 'a1']);
    expect(spec.given(events).state.submissions).toBe(5);
    const [none] = spec.given([formCreated()]).when(submitForm()).decided() as FormSubmitted[];
    expect(none.data).not.toHaveProperty('assigned_to');
  });

  it("a form naming a group: the ticket goes to the group, and to the group's agents in turn instead of available_assignees", () => {
    const group = { id: 'g1', agents: ['x', 'y', 'z'] };
    let events: FormEvent[] = [formCreated({ available_assignees: ['a1'], group_id: 'g1' })];
    const picks: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const [submitted] = spec
        .given(events)
        .when(submitForm({ responseId: `r${i}`, group }))
        .decided() as FormSubmitted[];
      expect(submitted.data.group_id).toBe('g1');
      picks.push(submitted.data.assigned_to);
      events = [...events, submitted];
    }
    expect(picks).toEqual(['x', 'y', 'z', 'x']);
    // A group with no agents: the group only. A group read for another id, or none (deleted): nothing.
    const [empty] = spec
      .given(events)
      .when(submitForm({ group: { id: 'g1', agents: [] } }))
      .decided() as FormSubmitted[];
    expect(empty.data).toMatchObject({ group_id: 'g1' });
    expect(empty.data).not.toHaveProperty('assigned_to');
    for (const other of [{ id: 'g2', agents: ['x'] }, undefined]) {
      const [submitted] = spec
        .given(events)
        .when(submitForm({ group: other }))
        .decided() as FormSubmitted[];
      expect(submitted.data).not.toHaveProperty('group_id');
      expect(submitted.data).not.toHaveProperty('assigned_to');
    }
  });
});
