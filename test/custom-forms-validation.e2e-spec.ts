import { InjectOptions } from 'light-my-request';
import { CONTACT, SHOP, STAFF_FORMS } from './support/form-routes';
import { TestApp, startTestApp, staffAuth, storefrontAuth } from './support/test-app';

/** Every refusal of a form definition and of a submission: a 400 problem naming the field, nothing appended. */
describe('custom forms: validation (end to end)', () => {
  let t: TestApp;
  let staff: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    staff = await staffAuth(t, 'one');
  });
  afterAll(async () => t.dispose());

  const inject = (method: InjectOptions['method'], url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method, url, headers, payload: payload as object });
  const createForm = (body: object) => inject('POST', STAFF_FORMS(), staff, body);
  const submit = (slug: string, response: unknown) => inject('POST', `${SHOP}/form/${slug}/submit`, storefrontAuth('a'), { response });
  const eventCount = async () => (await t.store.readAll()).length;
  const expectRefused = async (res: Awaited<ReturnType<typeof inject>>, field: string, before: number) => {
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await eventCount()).toBe(before);
  };

  describe('a definition is checked when saved: 400 naming the field, nothing appended', () => {
    const input = (more: object) => ({ key: 'k', display: 'K', type: 'text', ...more });
    it.each([
      ['an unknown type', { inputs: [input({}), input({ key: 'b' }), input({ key: 'c', type: 'colour' })] }, 'inputs.2.type'],
      ['duplicate keys', { inputs: [input({}), input({})] }, 'inputs.1.key'],
      ['a choice without options', { inputs: [input({ type: 'radio', enum: [] })] }, 'inputs.0.enum'],
      [
        'an invalid regex',
        { inputs: [input({}), input({ key: 'b' }), input({ key: 'c', regex: '(a', showRegexInput: true })] },
        'inputs.2.regex',
      ],
      [
        'a catastrophic regex',
        { inputs: [input({}), input({ key: 'b' }), input({ key: 'c', regex: '^(a|aa)+$', showRegexInput: true })] },
        'inputs.2.regex',
      ],
      ['an unknown input property', { inputs: [input({ colour: 'red' })] }, 'inputs.0.colour'],
      ['no inputs', { inputs: [] }, 'inputs'],
      ['too many inputs', { inputs: Array.from({ length: 101 }, (_, i) => input({ key: `k${i}` })) }, 'inputs'],
      ['a long value', { inputs: [input({ display: 'x'.repeat(201) })] }, 'inputs.0.display'],
      ['a bad slug', { slug: 'Not A Slug' }, 'slug'],
      ['a missing title', { title: undefined }, 'title'],
      ['an unknown priority', { priority: 'asap' }, 'priority'],
      ['login_required on create', { login_required: true }, 'login_required'],
      ['a script header image', { header_image: 'javascript:alert(1)' }, 'header_image'],
    ])('%s', async (_name, change, field) => {
      const before = await eventCount();
      await expectRefused(await createForm({ ...CONTACT, slug: 'checked', ...change }), field, before);
    });
  });

  describe('a submission is checked against the form: 400 naming the field, nothing stored', () => {
    beforeAll(async () => {
      const options = [
        { display: 'A', key: 'a' },
        { display: 'B', key: 'b' },
      ];
      const inputs = [
        { key: 'name', display: 'Name', type: 'text', required: true, regex: '^[A-Za-z ]+$', showRegexInput: true },
        { key: 'n', display: 'N', type: 'number' },
        { key: 'mail', display: 'Mail', type: 'email' },
        { key: 'day', display: 'Day', type: 'date' },
        { key: 'phone', display: 'Phone', type: 'mobile' },
        { key: 'pick', display: 'Pick', type: 'radio', enum: options },
        { key: 'many', display: 'Many', type: 'checkbox', enum: options },
      ];
      expect((await createForm({ ...CONTACT, slug: 'strict', inputs, available_assignees: [] })).statusCode).toBe(201);
    });
    const ok = { key: 'name', value: 'Ann' };
    it.each([
      ['an unknown key', [ok, { key: 'nope', value: 1 }], 'response.1.key'],
      ['a missing required value', [{ key: 'n', value: 1 }], 'response.name'],
      ['a regex mismatch', [{ key: 'name', value: 'Ann 2' }], 'response.name'],
      ['a wrong number', [ok, { key: 'n', value: 'many' }], 'response.n'],
      ['a wrong email', [ok, { key: 'mail', value: 'ann' }], 'response.mail'],
      ['a wrong date', [ok, { key: 'day', value: 'tomorrow' }], 'response.day'],
      ['a wrong mobile', [ok, { key: 'phone', value: { code: '91' } }], 'response.phone'],
      ['an option not offered', [ok, { key: 'pick', value: 'c' }], 'response.pick'],
      ['a checkbox that is not a list of options', [ok, { key: 'many', value: ['a', 'z'] }], 'response.many'],
      ['an oversized value', [ok, { key: 'n', value: 'x'.repeat(20_000) }], 'response.1.value'],
      ['an item without key', [ok, { value: 'x' }], 'response.1.key'],
      ['a response that is not a list', 'name=Ann', 'response'],
    ])('%s', async (_name, response, field) => {
      const before = await eventCount();
      await expectRefused(await submit('strict', response), field, before);
    });

    it('accepts every field type at once', async () => {
      const res = await submit('strict', [
        ok,
        { key: 'n', value: '7' },
        { key: 'mail', value: 'a@b.co' },
        { key: 'day', value: '2026-03-01' },
        { key: 'phone', value: { code: '+44', number: '7700900123' } },
        { key: 'pick', value: 'b' },
        { key: 'many', value: ['a', 'b'] },
      ]);
      expect(res.statusCode).toBe(201);
      expect(res.json().ticket.content.description).toBe(
        '<b>Name</b>: Ann<br><b>N</b>: 7<br><b>Mail</b>: a@b.co<br><b>Day</b>: 2026-03-01<br><b>Phone</b>: +44 7700900123<br><b>Pick</b>: B<br><b>Many</b>: A, B<br>',
      );
    });
  });

  it('refuses a submission that would make the server run too much regex work (100 fields of 256 "@"), whole', async () => {
    // Fynd's panel email pattern backtracks in cubic time on a run of '@' (issue 10, 8a).
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      key: `e${i}`,
      display: `Email ${i}`,
      type: 'text',
      regex: '\\S+@\\S+\\.\\S+',
      showRegexInput: true,
    }));
    expect((await createForm({ ...CONTACT, slug: 'many-emails', inputs })).statusCode).toBe(201);
    const before = await eventCount();
    const res = await submit(
      'many-emails',
      inputs.map((input) => ({ key: input.key, value: '@'.repeat(256) })),
    );
    await expectRefused(res, 'response', before);
    expect(res.json().errors).toEqual([{ field: 'response', message: expect.stringMatching(/too long to check together/) }]);
    const ordinary = await submit(
      'many-emails',
      inputs.map((input, i) => ({ key: input.key, value: `someone${i}@shop.example.com` })),
    );
    expect(ordinary.statusCode).toBe(201);
  });
});
