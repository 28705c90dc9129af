import { FormInput } from './form-inputs';
import { checkSubmission } from './form-submission';

const options = [
  { display: 'Red', key: 'red' },
  { display: 'Blue', key: 'blue' },
];
const INPUTS: FormInput[] = [
  { key: 'name', display: 'Name', type: 'text', required: true },
  { key: 'email', display: 'Email', type: 'email' },
  { key: 'age', display: 'Age', type: 'number' },
  { key: 'about', display: 'About', type: 'textarea' },
  { key: 'phone', display: 'Phone', type: 'mobile', regex: '^[0-9]{10}$', showRegexInput: true, error_message: 'ten digits please' },
  { key: 'colour', display: 'Colour', type: 'dropdown', enum: options },
  { key: 'size', display: 'Size', type: 'radio', enum: options },
  { key: 'tags', display: 'Tags', type: 'checkbox', enum: options },
  { key: 'day', display: 'Day', type: 'date' },
  { key: 'code', display: 'Code', type: 'text', regex: '^[A-Z]{3}$', showRegexInput: true },
  { key: 'loose', display: 'Loose', type: 'text', regex: '^x$', showRegexInput: false },
];

const check = (response: { key: string; value?: unknown }[]) => checkSubmission(INPUTS, [{ key: 'name', value: 'Ann' }, ...response]);
const fields = (response: { key: string; value?: unknown }[]) => check(response).errors.map((e) => e.field);

describe('checkSubmission', () => {
  it('accepts a value of every field type, normalized and in the form order', () => {
    const { values, errors } = check([
      { key: 'day', value: '2026-02-28' },
      { key: 'email', value: 'ann@example.com' },
      { key: 'age', value: '42' },
      { key: 'about', value: 'line one\nline two' },
      { key: 'phone', value: { code: '91', number: '9876543210', valid: true } },
      { key: 'colour', value: 'red' },
      { key: 'size', value: 'blue' },
      { key: 'tags', value: ['blue', 'red'] },
      { key: 'code', value: 'ABC' },
      { key: 'loose', value: 'not x: the regex is off' },
    ]);
    expect(errors).toEqual([]);
    expect(values).toEqual([
      { key: 'name', value: 'Ann' },
      { key: 'email', value: 'ann@example.com' },
      { key: 'age', value: 42 },
      { key: 'about', value: 'line one\nline two' },
      { key: 'phone', value: { code: '+91', number: '9876543210' } },
      { key: 'colour', value: 'red' },
      { key: 'size', value: 'blue' },
      { key: 'tags', value: ['blue', 'red'] },
      { key: 'day', value: '2026-02-28' },
      { key: 'code', value: 'ABC' },
      { key: 'loose', value: 'not x: the regex is off' },
    ]);
  });

  it('takes numbers as JSON numbers too, and ISO date-times', () => {
    expect(
      check([
        { key: 'age', value: -1.5 },
        { key: 'day', value: '2026-02-28T10:00:00Z' },
      ]).errors,
    ).toEqual([]);
  });

  it('drops blank answers of optional inputs (as themes send "" for untouched fields)', () => {
    const { values, errors } = check([
      { key: 'email', value: '' },
      { key: 'tags', value: [] },
      { key: 'age', value: null },
      { key: 'about' },
    ]);
    expect(errors).toEqual([]);
    expect(values).toEqual([{ key: 'name', value: 'Ann' }]);
  });

  it.each([
    ['a missing required value', [], 'response.name', 'Please enter Name'],
    ['a blank required value', [{ key: 'name', value: '   ' }], 'response.name', 'Please enter Name'],
  ])('refuses %s', (_name, response, field, message) => {
    expect(checkSubmission(INPUTS, response).errors).toEqual([{ field, message }]);
  });

  it.each([
    ['an unknown key', [{ key: 'nope', value: 'x' }], 'response.1.key'],
    ['a key given twice', [{ key: 'name', value: 'again' }], 'response.1.key'],
    ['text that is not a string', [{ key: 'about', value: 42 }], 'response.about'],
    ['an over-long text', [{ key: 'about', value: 'x'.repeat(5001) }], 'response.about'],
    ['a bad email', [{ key: 'email', value: 'not-an-email' }], 'response.email'],
    ['a number that is text', [{ key: 'age', value: 'forty' }], 'response.age'],
    ['a number given as a list', [{ key: 'age', value: [1] }], 'response.age'],
    ['a mobile as a plain string', [{ key: 'phone', value: '9876543210' }], 'response.phone'],
    ['a mobile without code', [{ key: 'phone', value: { number: '9876543210' } }], 'response.phone'],
    ['a mobile with letters', [{ key: 'phone', value: { code: '91', number: '98765abc10' } }], 'response.phone'],
    ['a mobile with extra fields', [{ key: 'phone', value: { code: '91', number: '9876543210', note: 'x' } }], 'response.phone'],
    ['a mobile failing its regex', [{ key: 'phone', value: { code: '91', number: '98765' } }], 'response.phone'],
    ['an option not offered (dropdown)', [{ key: 'colour', value: 'green' }], 'response.colour'],
    ['an option not offered (radio)', [{ key: 'size', value: 'green' }], 'response.size'],
    ['a radio answered with a list', [{ key: 'size', value: ['red'] }], 'response.size'],
    ['a checkbox with an option not offered', [{ key: 'tags', value: ['red', 'green'] }], 'response.tags'],
    ['a checkbox answered with a string', [{ key: 'tags', value: 'red' }], 'response.tags'],
    ['a checkbox with an option twice', [{ key: 'tags', value: ['red', 'red'] }], 'response.tags'],
    ['a date that is no date', [{ key: 'day', value: '2026-02-30' }], 'response.day'],
    ['a date in another format', [{ key: 'day', value: '28/02/2026' }], 'response.day'],
    ['a text failing its regex', [{ key: 'code', value: 'abc' }], 'response.code'],
    ['a regex-checked answer too long to check safely', [{ key: 'code', value: 'A'.repeat(257) }], 'response.code'],
    ['an object for a text', [{ key: 'code', value: { toString: 'ABC' } }], 'response.code'],
  ])('refuses %s, naming the field', (_name, response, field) => {
    const { errors, values } = check(response as { key: string; value?: unknown }[]);
    expect(errors.map((e) => e.field)).toEqual([field]);
    expect(values.map((v) => v.key)).not.toContain(field.replace('response.', ''));
  });

  it("uses the input's error_message for a regex mismatch", () => {
    expect(check([{ key: 'phone', value: { code: '91', number: '12345' } }]).errors[0].message).toBe('ten digits please');
    expect(check([{ key: 'code', value: 'abc' }]).errors[0].message).toBe('Please enter Code');
  });

  it('reports every broken field at once', () => {
    expect(
      fields([
        { key: 'email', value: 'x' },
        { key: 'age', value: 'y' },
      ]),
    ).toEqual(['response.email', 'response.age']);
  });
});

describe('checkSubmission regex budget', () => {
  // Fynd's own email pattern: cubic backtracking on a run of '@' (issue 10, 8a).
  const EMAIL_PATTERN = '\\S+@\\S+\\.\\S+';
  const form = (n: number): FormInput[] =>
    Array.from({ length: n }, (_, i) => ({
      key: `f${i}`,
      display: `Field ${i}`,
      type: 'text' as const,
      regex: EMAIL_PATTERN,
      showRegexInput: true,
    }));
  const answers = (n: number, value: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ key: `f${i}`, value: value(i) }));
  let regexRuns: jest.SpyInstance;
  beforeEach(() => (regexRuns = jest.spyOn(RegExp.prototype, 'test')));
  afterEach(() => regexRuns.mockRestore());

  it('refuses 100 pattern-checked answers of 256 "@" without running a single regex', () => {
    const { values, errors } = checkSubmission(
      form(100),
      answers(100, () => '@'.repeat(256)),
    );
    const runs = regexRuns.mock.calls.length; // before the matchers below, which run regexes of their own
    expect(runs).toBe(0);
    expect(errors).toEqual([{ field: 'response', message: expect.stringMatching(/too long to check together/) }]);
    expect(values).toEqual([]);
  });

  it('still checks a hundred ordinary emails against the pattern', () => {
    const { values, errors } = checkSubmission(
      form(100),
      answers(100, (i) => `customer.number${i}@shop.example.com`),
    );
    expect(regexRuns.mock.calls.length).toBe(100);
    expect(errors).toEqual([]);
    expect(values).toHaveLength(100);
    expect(
      checkSubmission(
        form(1),
        answers(1, () => 'not an email'),
      ).errors,
    ).toEqual([{ field: 'response.f0', message: 'Please enter Field 0' }]);
  });

  it('lets two answers of the longest checked length through, not three', () => {
    expect(
      checkSubmission(
        form(3),
        answers(2, () => 'a'.repeat(250) + '@b.co'),
      ).errors,
    ).toEqual([]);
    expect(
      checkSubmission(
        form(3),
        answers(3, () => 'a'.repeat(250) + '@b.co'),
      ).errors.map((e) => e.field),
    ).toEqual(['response']);
  });
});
