import { OpenAPIObject } from '@nestjs/swagger';

/**
 * Declares every `{name}` of a path template on each of its operations, when no decorator did. Params the
 * route guard reads (company_id, application_id) never appear in a handler's signature, so Swagger cannot
 * see them, and an OpenAPI document with undeclared path params is invalid for client generators.
 */
export function declarePathParams(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const declared = new Set((operation.parameters ?? []).map((p) => ('in' in p && p.in === 'path' ? p.name : undefined)));
      const missing = names
        .filter((name) => !declared.has(name))
        .map((name) => ({ name, in: 'path' as const, required: true, schema: { type: 'string' as const } }));
      operation.parameters = [...missing, ...(operation.parameters ?? [])];
    }
  }
  return document;
}
