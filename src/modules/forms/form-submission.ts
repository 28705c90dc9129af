import { isEmail, isISO8601 } from 'class-validator';
import { FieldError } from '../../platform/http/validation';
import { FormInput, LIMITS } from './form-inputs';
import { ResponseValue } from './form.events';

/** One item of a submission's `response` array as sent: `{key, value}` (reference 5.2). */
export interface SubmittedItem {
  readonly key: string;
  readonly value?: unknown;
}

export interface MobileValue {
  readonly code: string;
  readonly number: string;
}

type Checked = { ok: true; value: unknown; text?: string } | { ok: false; message: string };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DIAL_CODE = /^\+?\d{1,4}$/;
const PHONE_NUMBER = /^\d{4,15}$/;

/**
 * Checks a submission against the form: every key must be one of the form's inputs (once), every required
 * input answered, every answer of its input's type (and among the offered options), and, where the input has
 * `showRegexInput`, matching its regex. Answers come back normalized and in the form's order; blank answers of
 * optional inputs are dropped. Errors name the input as `response.<key>` (or the item, for an unknown key).
 */
export function checkSubmission(
  inputs: readonly FormInput[],
  items: readonly SubmittedItem[],
): { values: ResponseValue[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const byKey = new Map<string, SubmittedItem>();
  items.forEach((item, i) => {
    if (!inputs.some((input) => input.key === item.key))
      errors.push({ field: `response.${i}.key`, message: `the form has no input "${item.key}"` });
    else if (byKey.has(item.key)) errors.push({ field: `response.${i}.key`, message: `"${item.key}" is answered twice` });
    else byKey.set(item.key, item);
  });
  const answers = inputs.map((input) => {
    const given = byKey.get(input.key)?.value;
    return { input, given, checked: isBlank(given) ? undefined : checkValue(input, given) };
  });
  // All the regex work is added up before any regex runs: a submission that would ask for too much is refused
  // whole, so no form, however many pattern-checked fields it has, lets one request block the event loop.
  const regexWork = answers.reduce((work, { input, checked }) => {
    const text = regexText(input, checked);
    return text === undefined || text.length > LIMITS.regexAnswerLength ? work : work + text.length ** 3;
  }, 0);
  const overBudget = regexWork > LIMITS.regexWorkPerSubmission;
  if (overBudget) {
    errors.push({
      field: 'response',
      message: 'the answers to fields checked against a pattern are too long to check together; shorten them',
    });
  }
  const values: ResponseValue[] = [];
  for (const { input, checked } of answers) {
    const field = `response.${input.key}`;
    if (checked === undefined) {
      if (input.required) errors.push({ field, message: `Please enter ${input.display}` });
      continue;
    }
    if (!checked.ok) {
      errors.push({ field, message: checked.message });
      continue;
    }
    const text = regexText(input, checked);
    if (text !== undefined && text.length > LIMITS.regexAnswerLength) {
      errors.push({ field, message: `must be at most ${LIMITS.regexAnswerLength} characters to be checked against this field's pattern` });
      continue;
    }
    if (text !== undefined && overBudget) continue; // refused above, as a whole
    if (text !== undefined && !new RegExp(input.regex!).test(text)) {
      errors.push({ field, message: input.error_message || `Please enter ${input.display}` });
      continue;
    }
    values.push({ key: input.key, value: checked.value });
  }
  return { values, errors };
}

/** The text an input's regex runs on, when it has one to run (showRegexInput, a regex, a valid answer). */
function regexText(input: FormInput, checked: Checked | undefined): string | undefined {
  return input.showRegexInput && input.regex && checked?.ok ? checked.text : undefined;
}

function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** `text` is what a regex is run on: the answer as typed (for a mobile, its number). */
function checkValue(input: FormInput, value: unknown): Checked {
  const options = input.enum ?? [];
  switch (input.type) {
    case 'text':
    case 'textarea':
      return string(value, LIMITS.valueLength[input.type], 'text');
    case 'email': {
      const s = string(value, LIMITS.valueLength.email, 'an email address');
      return s.ok && !isEmail(s.value as string) ? { ok: false, message: 'must be an email address' } : s;
    }
    case 'number': {
      if (typeof value === 'number')
        return Number.isFinite(value) ? { ok: true, value, text: String(value) } : { ok: false, message: 'must be a finite number' };
      const s = string(value, LIMITS.valueLength.number, 'a number');
      if (!s.ok) return s;
      const n = Number(s.text);
      return NUMBER.test(s.text!) && Number.isFinite(n) ? { ok: true, value: n, text: s.text } : { ok: false, message: 'must be a number' };
    }
    case 'date': {
      const s = string(value, LIMITS.valueLength.date, 'a date');
      return s.ok && !isISO8601(s.text, { strict: true })
        ? { ok: false, message: 'must be a date (YYYY-MM-DD or an ISO 8601 date-time)' }
        : s;
    }
    case 'mobile':
      return mobile(value);
    case 'dropdown':
    case 'radio':
      return typeof value === 'string' && options.some((o) => o.key === value)
        ? { ok: true, value }
        : { ok: false, message: `must be one of: ${options.map((o) => o.key).join(', ')}` };
    case 'checkbox': {
      const keys = Array.isArray(value) ? value : [];
      const offered = keys.every((k) => typeof k === 'string' && options.some((o) => o.key === k));
      if (!Array.isArray(value) || !offered || new Set(keys).size !== keys.length) {
        return { ok: false, message: `must be a list of distinct options among: ${options.map((o) => o.key).join(', ')}` };
      }
      return { ok: true, value: keys };
    }
  }
}

function string(value: unknown, max: number, what: string): Checked {
  if (typeof value !== 'string') return { ok: false, message: `must be ${what} (a string)` };
  if (value.length > max) return { ok: false, message: `must be at most ${max} characters long` };
  return { ok: true, value, text: value };
}

function mobile(value: unknown): Checked {
  const message = 'must be a phone number {code, number}: code of 1-4 digits (optional +), number of 4-15 digits';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message };
  const { code, number, valid, ...rest } = value as Record<string, unknown>;
  // `valid` is the theme's own check, sent along by some themes; it is not trusted and not stored.
  if (Object.keys(rest).length > 0 || (valid !== undefined && typeof valid !== 'boolean')) return { ok: false, message };
  const c = typeof code === 'number' ? String(code) : code;
  const n = typeof number === 'number' ? String(number) : number;
  if (typeof c !== 'string' || typeof n !== 'string' || !DIAL_CODE.test(c) || !PHONE_NUMBER.test(n)) return { ok: false, message };
  const normalized: MobileValue = { code: c.startsWith('+') ? c : `+${c}`, number: n };
  return { ok: true, value: normalized, text: n };
}
