import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationOptions, registerDecorator } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Flattens class-validator's tree into `content.title`-style paths, one entry per broken rule. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export class RequestValidationError extends BadRequestException {
  constructor(readonly errors: FieldError[]) {
    super(`Invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  }
}

/**
 * Keys that name a member of `Object.prototype` (`toString`, `constructor`, `__proto__`, `valueOf`,
 * `hasOwnProperty`...) and `prototype`. Nest's pipe deletes some of them and class-transformer skips the others
 * (it will not set a key its target object inherits), so, left alone, such a key vanished without a word: an
 * unknown field slipped past the "unknown fields are refused" rule, and a free-form map (feedback answers,
 * `_custom_json`) silently lost an entry or was refused as empty.
 */
const PROTOTYPE_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
/** Stand-in prefix for such a key while the value is transformed and validated; a NUL never reaches a real key. */
const MASK = '\u0000';

const needsMask = (key: string) => PROTOTYPE_KEYS.has(key) || key.startsWith(MASK);

/** Whether any key at any depth needs masking; iterative, so a deeply nested body cannot overflow the stack here. */
function hasPrototypeKeys(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length) {
    const v = pending.pop();
    if (typeof v !== 'object' || v === null) continue;
    for (const key of Object.keys(v)) {
      if (needsMask(key)) return true;
      pending.push((v as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/** A deep copy of a parsed JSON or query value with every prototype-named key masked; `undefined`: none found. */
function maskPrototypeKeys(value: unknown): unknown {
  if (!hasPrototypeKeys(value)) return undefined;
  const copy = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(copy);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      Object.defineProperty(out, needsMask(key) ? MASK + key : key, {
        value: copy((v as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return copy(value);
}

/** Puts the real names back on what validation let through (they can only be in free-form maps by then). */
function unmaskPrototypeKeys(value: unknown, seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const target = value as Record<string, unknown>;
  const keys = Object.keys(target);
  keys.forEach((key) => unmaskPrototypeKeys(target[key], seen));
  if (!keys.some((key) => key.startsWith(MASK))) return;
  // Every key is taken out and put back, so the answers keep the order they were sent in.
  const entries = keys.map((key) => [key, target[key]] as const);
  for (const key of keys) delete target[key];
  for (const [key, item] of entries) {
    // defineProperty: a plain assignment to `__proto__` would replace the prototype instead of adding a key.
    Object.defineProperty(target, key.startsWith(MASK) ? key.slice(MASK.length) : key, {
      value: item,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

const unmaskText = (text: string) => text.split(MASK).join('');

/**
 * The global pipe: class-validator on every DTO, unknown fields refused. Prototype-named keys are masked
 * before the DTO is built and unmasked after, so they are treated like any other key: an unknown field of a
 * DTO (`?toString=1`, `{"constructor": …}` in a ticket) is a 400 naming it, and in a free-form map they are
 * plain data that is kept.
 */
export class LeadValidationPipe extends ValidationPipe {
  /**
   * Parameters with nothing to validate (the caller from a guard, a path id, the reply) are answered as the pipe
   * answers them, synchronously: Nest awaits whatever a pipe returns, and the pipe's own async path cost two
   * promises per parameter per request. Anything with a class goes through the whole chain below.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a value or a promise; Nest awaits either
  override transform(value: unknown, metadata: ArgumentMetadata): any {
    // (The same test and answer as ValidationPipe's first step; a pipe built with an `expectType` takes the long way.)
    if (!this.expectedType && (!metadata.metatype || !this.toValidate(metadata))) {
      return this.isTransformEnabled ? this.transformPrimitive(value, metadata) : value;
    }
    return this.transformAndValidate(value, metadata);
  }

  private async transformAndValidate(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const masked = metadata.type === 'body' || metadata.type === 'query' ? maskPrototypeKeys(value) : undefined;
    if (masked === undefined) return super.transform(value, metadata);
    let result: unknown;
    try {
      result = await super.transform(masked, metadata);
    } catch (error) {
      if (error instanceof RequestValidationError) {
        throw new RequestValidationError(error.errors.map((e) => ({ field: unmaskText(e.field), message: unmaskText(e.message) })));
      }
      throw error;
    }
    unmaskPrototypeKeys(result);
    return result;
  }
}

/** Unknown fields are refused, not silently dropped: a typo in a field name should not lose data. */
export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new LeadValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // One message per field: a missing title is "should not be empty", not also "too long" and "not a string".
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}

/**
 * A required text with something in it: an empty string and one of only whitespace (spaces, tabs, newlines,
 * no-break spaces) are refused alike, since a title of blanks shows as nothing. The text is stored as sent.
 * With `each`, every item of an array must be such a text.
 */
export function NotBlank(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'notBlank',
      target: target.constructor,
      propertyName,
      options: { message: '$property should not be empty or only whitespace', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && value.trim() !== '' },
    });
}

/** Bounds a free-form JSON object by its serialized size, so one field cannot carry megabytes. */
export function JsonSize(maxBytes: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'jsonSize',
      target: target.constructor,
      propertyName,
      options: { message: `$property must serialize to at most ${maxBytes} bytes`, ...options },
      validator: { validate: (value: unknown) => value === undefined || Buffer.byteLength(JSON.stringify(value)) <= maxBytes },
    });
}
