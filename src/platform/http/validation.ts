import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationOptions, registerDecorator } from 'class-validator';

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

/** Unknown fields are refused, not silently dropped: a typo in a field name should not lose data. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // One message per field: a missing title is "should not be empty", not also "too long" and "not a string".
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
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
