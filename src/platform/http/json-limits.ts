import { FastifyInstance } from 'fastify';
import { DomainError } from '../command/domain-error';

/** Bounds on the shape of a parsed request body (LEAD_JSON_MAX_*). */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays; the body itself is level 1. */
  readonly maxDepth: number;
  /** Members of one object. */
  readonly maxKeys: number;
  /** Elements of one array. */
  readonly maxItems: number;
  /** Values in the whole body, containers included. */
  readonly maxValues: number;
}

/**
 * The first bound `body` breaks, in words, or undefined. It walks with its own stack, never recursion, so a
 * body nested thousands of levels deep (a few KB of `[[[[…`) is measured, not a stack overflow; class-validator
 * and class-transformer recurse, which is why this runs before them.
 */
export function jsonLimitBreach(body: unknown, limits: JsonLimits): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value: body, depth: 1 }];
  let values = 1;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    // JSON may spell a lone surrogate (`"\ud800"`): not text in any encoding, and what validators and stores
    // downstream do with it is undefined (one threw inside an e-mail check: a 500).
    if (typeof value === 'string' && !value.isWellFormed())
      return 'A JSON string holds a lone surrogate (it is not well-formed Unicode text)';
    if (value === null || typeof value !== 'object') continue;
    if (!Array.isArray(value) && Object.keys(value).some((key) => !key.isWellFormed())) {
      return 'A JSON member name holds a lone surrogate (it is not well-formed Unicode text)';
    }
    if (depth > limits.maxDepth) return `The JSON body nests deeper than ${limits.maxDepth} levels`;
    const children = Array.isArray(value) ? value : Object.values(value);
    if (Array.isArray(value) && children.length > limits.maxItems) return `A JSON array has more than ${limits.maxItems} elements`;
    if (!Array.isArray(value) && children.length > limits.maxKeys) return `A JSON object has more than ${limits.maxKeys} members`;
    values += children.length;
    if (values > limits.maxValues) return `The JSON body holds more than ${limits.maxValues} values`;
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

/**
 * Checks every parsed body (JSON and form) right after parsing and before any validation runs: one hook for
 * all routes, so no route (nor a free-form field such as `_custom_json`) can take a body past the bounds.
 * A breach is a 400 problem (`urn:lead:problem:invalid`) and nothing runs further.
 */
export function registerJsonLimits(fastify: FastifyInstance, limits: JsonLimits): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    const body: unknown = request.body;
    // Raw bodies (the LiveKit webhook keeps its text for the signature check) are not parsed structures.
    if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return done();
    const breach = jsonLimitBreach(body, limits);
    done(breach ? new DomainError('invalid', breach, { limits: { ...limits } }) : undefined);
  });
}
