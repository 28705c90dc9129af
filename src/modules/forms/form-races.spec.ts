import { DomainError } from '../../platform/command/domain-error';
import { testChainKey } from '../../../test/support/recorded-events';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { handleCommand } from '../../platform/command/command-handler';
import { MemoryEventStore } from '../../platform/event-store/memory.event-store';
import { formCreated } from '../../../test/support/form-fixtures';
import { formDecider } from './form.decider';
import { FormSubmitted } from './form.events';
import { FormTicketOpener } from './form-ticket.opener';
import { TicketCommandHandler } from '../tickets';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';

// No read models here: what is under test is what reaches the log.
const noReadModels = { waitFor: async () => undefined } as unknown as ReadYourWrites;
const opener = (store: MemoryEventStore) =>
  new FormTicketOpener(store, new TicketCommandHandler(store, new KeyedLock(), testChainKey, noReadModels));

/** Two instances share the store but not a lock: the expected revision alone must decide. */
describe('races between instances', () => {
  it('two creates of one slug: one FormCreated, the other a conflict', async () => {
    const store = new MemoryEventStore();
    const appends = jest.spyOn(store, 'append');
    const create = (title: string, lock: KeyedLock) =>
      handleCommand(
        store,
        lock,
        testChainKey,
        'form-app-contact',
        formDecider,
        { kind: 'CreateForm', data: formCreated({ title }).data },
        { commandId: title, metadata: {} },
      );
    const results = await Promise.allSettled([create('one', new KeyedLock()), create('two', new KeyedLock())]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).kind).toBe('conflict');
    expect(await store.readStream('form-app-contact')).toHaveLength(1);
    // Both read an empty stream and appended with no_stream; the store refused the second.
    expect(appends).toHaveBeenCalledTimes(2);
    expect(appends.mock.calls.map((c) => c[2].expectedRevision)).toEqual(['no_stream', 'no_stream']);
  });

  it('the request and the reconciler opening one ticket at once write it once', async () => {
    const store = new MemoryEventStore();
    const appends = jest.spyOn(store, 'append');
    const form = { ...formCreated().data, updated_at: 'now' };
    const submitted: FormSubmitted['data'] = {
      response_id: 'r1',
      ticket_id: 't1',
      form_id: form.id,
      response: [{ key: 'name', value: 'Ann' }],
      attachments: [],
      created_by: {},
      created_on: { user_agent: 'ua' },
      created_at: 'now',
    };
    const [a, b, c] = await Promise.all([
      opener(store).open(form, submitted, { actor: { type: 'storefront_user', id: 'u' } }),
      opener(store).open(form, submitted, { actor: { type: 'system', id: 'reconciler' } }),
      opener(store).open(form, submitted, {}),
    ]);
    const log = await store.readStream('ticket-t1');
    expect(log.map((e) => e.type)).toEqual(['TicketCreated']);
    expect(log[0].data).toMatchObject({ id: 't1', response_id: 'r1' });
    expect([a, b, c]).toEqual([log[0].position, log[0].position, log[0].position]);
    expect(await store.readAll()).toHaveLength(1);
    // Each wrote with no_stream and the same event id: the later ones were replays that wrote nothing.
    expect(appends).toHaveBeenCalledTimes(3);
    expect(new Set(appends.mock.calls.map((c) => c[1][0].id)).size).toBe(1);
  });
});
