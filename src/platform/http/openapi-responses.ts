import { OpenAPIObject } from '@nestjs/swagger';
import { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * Named response schemas of the OpenAPI document. Swagger cannot see the answer of a handler (its return
 * type is an interface), so each module declares its documents as plain JSON schemas beside their views and
 * the composition root registers them here. The typed client (clients/typescript) is generated from them.
 * Objects stay open (no `additionalProperties: false`): a field added to the service must not break a client
 * generated before it.
 */
export type ResponseSchemas = Record<string, SchemaObject>;

/** A `$ref` to a registered response schema, for `@ApiResponse({ schema })`. */
export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** RFC 9457, as ProblemDetailsFilter writes it (every refusal of every route). */
export const PROBLEM_SCHEMAS: ResponseSchemas = {
  ProblemDetails: {
    type: 'object',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', example: 'urn:lead:problem:validation' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      errors: {
        type: 'array',
        items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  },
};

/**
 * Adds the schemas to the document, and to every operation a `default` answer: the problem document every
 * refusal is (so a generated client types its errors). Operations that declared a refusal keep theirs.
 */
export function declareResponses(document: OpenAPIObject, ...groups: ResponseSchemas[]): OpenAPIObject {
  const components = (document.components ??= {});
  components.schemas = Object.assign({}, components.schemas, PROBLEM_SCHEMAS, ...groups);
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses.default ??= {
        description: 'A refusal (4xx) or failure (5xx): an RFC 9457 problem document',
        content: { 'application/problem+json': { schema: schemaRef('ProblemDetails') } },
      };
    }
  }
  return document;
}
