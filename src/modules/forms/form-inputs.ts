import { check } from 'recheck';
import { FieldError } from '../../platform/http/validation';

/**
 * Form fields (reference 5.1). The types are the ones Fynd's form renderer knows, plus `date`; options of the
 * choice types live in `enum` as {display, key}, and a checkbox answer is the array of chosen keys.
 */
export const FIELD_TYPES = ['text', 'email', 'number', 'textarea', 'mobile', 'dropdown', 'radio', 'checkbox', 'date'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export const CHOICE_TYPES: readonly FieldType[] = ['dropdown', 'radio', 'checkbox'];

export interface FieldOption {
  readonly display: string;
  readonly key: string;
}

export interface FormInput {
  readonly key: string;
  readonly display: string;
  readonly type: FieldType;
  readonly required?: boolean;
  readonly placeholder?: string;
  readonly regex?: string;
  readonly showRegexInput?: boolean;
  readonly error_message?: string;
  readonly enum?: readonly FieldOption[];
}

export const LIMITS = {
  inputs: 100,
  options: 100,
  regexLength: 500,
  /** Longest answer of each type. */
  valueLength: { text: 1000, textarea: 5000, email: 254, number: 50, date: 40 },
  /**
   * Longest answer a field's regex is run on. With regexes of at most cubic backtracking this keeps the worst
   * case in milliseconds (256^3 steps); a longer answer to a regex-checked field is refused.
   */
  regexAnswerLength: 256,
  /**
   * Regex work one submission may ask for, in the worst-case steps of the patterns this service accepts
   * (cubic backtracking, e.g. Fynd's own email pattern `\S+@\S+\.\S+`): each regex-checked answer costs its
   * length cubed. Two answers of the longest length fit (tens of milliseconds at worst); a hundred fields of
   * 256 hostile characters (1.3 s of blocked event loop) do not, and neither does any submission that would
   * block the server for long. Ordinary answers are far below: a hundred 30-character emails cost 2.7M.
   */
  regexWorkPerSubmission: 2 * 256 ** 3,
} as const;

/**
 * The rules of a definition that its DTO cannot state: unique keys, options for choice types, and regexes
 * that JavaScript compiles (the storefront runs `new RegExp(regex)` on the same string).
 */
export function definitionErrors(inputs: readonly FormInput[]): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    const at = `inputs.${i}`;
    if (seen.has(input.key)) errors.push({ field: `${at}.key`, message: `key "${input.key}" is used by another input` });
    seen.add(input.key);
    const options = input.enum ?? [];
    if (CHOICE_TYPES.includes(input.type) && options.length === 0) {
      errors.push({ field: `${at}.enum`, message: `a ${input.type} needs at least one option in enum` });
    }
    const optionKeys = new Set<string>();
    options.forEach((option, j) => {
      if (optionKeys.has(option.key)) errors.push({ field: `${at}.enum.${j}.key`, message: `option key "${option.key}" is given twice` });
      optionKeys.add(option.key);
    });
    if (input.regex !== undefined && input.regex !== '') {
      const syntax = regexSyntaxError(input.regex);
      if (syntax) errors.push({ field: `${at}.regex`, message: `not a valid regular expression: ${syntax}` });
    } else if (input.showRegexInput) {
      errors.push({ field: `${at}.regex`, message: 'showRegexInput is true but no regex is given' });
    }
  });
  return errors;
}

function regexSyntaxError(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** How long the ReDoS analysis of one regex may take; a regex that cannot be cleared in time is refused. */
const CHECK_TIMEOUT_MS = 3000;
const verdicts = new Map<string, string | null>();

/**
 * Refuses regexes with catastrophic backtracking, as found by `recheck` (automaton analysis plus fuzzing):
 * exponential ones, and polynomial ones of degree 4 or more. Cubic ones are accepted because Fynd's own panel
 * ships one as its email pattern (`\S+@\S+\.\S+`), so existing forms must keep working; the answers a regex
 * runs on are bounded (LIMITS.regexAnswerLength), which keeps a cubic worst case in milliseconds.
 * Returns an error message, or undefined when the regex is safe to run on the server.
 */
export async function regexSafetyError(source: string): Promise<string | undefined> {
  const known = verdicts.get(source);
  if (known !== undefined) return known ?? undefined;
  let diagnostics;
  try {
    diagnostics = await check(source, '', { timeout: CHECK_TIMEOUT_MS });
  } catch (error) {
    // The analyser itself failed: refuse (fail closed) without remembering it, so a retry analyses again.
    return `could not be analysed for catastrophic backtracking right now (${(error as Error).message}); try again`;
  }
  let verdict: string | null = null;
  if (diagnostics.status === 'unknown') {
    verdict = `could not be shown safe from catastrophic backtracking (${diagnostics.error.kind}); simplify it`;
  } else if (diagnostics.status === 'vulnerable') {
    const { complexity } = diagnostics;
    if (complexity.type === 'exponential')
      verdict = 'backtracks catastrophically (exponential time, e.g. on a nested quantifier); rewrite it';
    else if (complexity.degree >= 4)
      verdict = `backtracks catastrophically (time grows with the answer's length to the power ${complexity.degree}); rewrite it`;
  }
  // The analysis is deterministic (fixed seed), so a verdict holds for good, unless it ran out of time on a
  // busy machine. The cache is bounded so it cannot grow forever.
  if (diagnostics.status !== 'unknown' || diagnostics.error.kind !== 'timeout') {
    if (verdicts.size >= 1000) verdicts.clear();
    verdicts.set(source, verdict);
  }
  return verdict ?? undefined;
}

/** Every definition error, the ReDoS analysis included (only for regexes that compile). */
export async function validateDefinition(inputs: readonly FormInput[]): Promise<FieldError[]> {
  const errors = definitionErrors(inputs);
  const checks = inputs.map(async (input, i) => {
    const field = `inputs.${i}.regex`;
    if (!input.regex || errors.some((e) => e.field === field)) return undefined;
    const message = await regexSafetyError(input.regex);
    return message ? { field, message } : undefined;
  });
  const unsafe = (await Promise.all(checks)).filter((e): e is FieldError => e !== undefined);
  return [...errors, ...unsafe];
}
