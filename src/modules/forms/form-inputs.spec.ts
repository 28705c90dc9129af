import { FormInput, regexSafetyError, validateDefinition } from './form-inputs';

const text = (key: string, more: Partial<FormInput> = {}): FormInput => ({ key, display: key, type: 'text', ...more });

describe('form definition rules', () => {
  it('accepts a form of every field type, with safe regexes', async () => {
    const options = [{ display: 'A', key: 'a' }];
    const inputs: FormInput[] = [
      text('name', { regex: '^[A-Za-z ]+$', showRegexInput: true }),
      { key: 'email', display: 'Email', type: 'email', regex: '^\\S+@\\S+$', showRegexInput: true },
      { key: 'n', display: 'N', type: 'number' },
      { key: 't', display: 'T', type: 'textarea' },
      { key: 'm', display: 'M', type: 'mobile', regex: '[0-9]{10}$', showRegexInput: true },
      { key: 'd', display: 'D', type: 'dropdown', enum: options },
      { key: 'r', display: 'R', type: 'radio', enum: options },
      { key: 'c', display: 'C', type: 'checkbox', enum: options },
      { key: 'day', display: 'Day', type: 'date' },
    ];
    expect(await validateDefinition(inputs)).toEqual([]);
  });

  it.each([
    ['duplicate keys', [text('a'), text('b'), text('a')], 'inputs.2.key'],
    ['a dropdown without options', [text('a'), { key: 'd', display: 'D', type: 'dropdown', enum: [] }], 'inputs.1.enum'],
    ['a radio without enum', [{ key: 'r', display: 'R', type: 'radio' }], 'inputs.0.enum'],
    [
      'a checkbox with an option key twice',
      [
        {
          key: 'c',
          display: 'C',
          type: 'checkbox',
          enum: [
            { display: 'A', key: 'a' },
            { display: 'B', key: 'a' },
          ],
        },
      ],
      'inputs.0.enum.1.key',
    ],
    ['a regex that does not compile', [text('a'), text('b'), text('c', { regex: '([a-z]', showRegexInput: true })], 'inputs.2.regex'],
    ['showRegexInput without a regex', [text('a', { showRegexInput: true })], 'inputs.0.regex'],
    ['an exponential regex (nested quantifier)', [text('a', { regex: '^(a+)+$', showRegexInput: true })], 'inputs.0.regex'],
    ['an exponential regex (overlapping alternation)', [text('a', { regex: '^(\\w|\\d)*$' })], 'inputs.0.regex'],
    ['a regex of degree 5', [text('a'), text('b', { regex: 'a*a*a*a*b', showRegexInput: true })], 'inputs.1.regex'],
  ] as [string, FormInput[], string][])('refuses %s, naming the field', async (_name, inputs, field) => {
    const errors = await validateDefinition(inputs);
    expect(errors.map((e) => e.field)).toEqual([field]);
  });

  it("accepts the Fynd panel's cubic email pattern, which existing forms use", async () => {
    expect(await validateDefinition([text('e', { regex: '\\S+@\\S+\\.\\S+', showRegexInput: true })])).toEqual([]);
  });

  it('explains a catastrophic regex', async () => {
    expect(await regexSafetyError('(x+x+)+y')).toMatch(/catastrophically \(exponential/);
    expect(await regexSafetyError('^\\d{6}$')).toBeUndefined();
  });
});
