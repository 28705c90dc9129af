import fc from 'fast-check';

/** Just enough of OpenAPI 3 to generate requests from the document the service serves. */
export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  maxLength?: number;
}
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Schema;
}
export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Strings an attacker would try: huge, control characters, other scripts, markup, injections, lookalikes. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), fc.integer({ min: 100, max: 40_000 })).map(([s, n]) => s.repeat(n)),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e',
    '\ud800',
    '𝕏💩',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '${{7*7}}',
    '../../etc/passwd',
    'NaN',
    '-1',
    '1e309',
    '__proto__',
    'null',
  ),
);

/** Any JSON-ish junk: wrong types, nesting, prototype keys. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.string(), { maxLength: 200 }),
  fc.constantFrom(JSON.parse('{"__proto__": {"polluted": 1}}'), { constructor: { prototype: { x: 1 } } }),
  fc.integer({ min: 50, max: 400 }).map((depth) => Array.from({ length: depth }).reduce<unknown>((inner) => ({ a: inner }), 'deep')),
);

/**
 * Values for `schema`: well-formed ones (so requests get past validation into the commands), and with
 * `hostile`, any leaf may be junk, a required member may be missing and unknown members may appear.
 */
export function fromSchema(doc: OpenApiDocument, schema: Schema, hostile: boolean, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return fromSchema(doc, doc.components.schemas[schema.$ref.split('/').pop()!], hostile, depth);
  const leaf = (valid: fc.Arbitrary<unknown>) =>
    hostile ? fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: junk }) : valid;
  if (schema.enum) return leaf(fc.constantFrom(...schema.enum));
  switch (schema.type) {
    case 'string':
      return leaf(fc.string({ minLength: 1, maxLength: Math.min(schema.maxLength ?? 30, 30) }));
    case 'number':
    case 'integer':
      return leaf(fc.integer({ min: 0, max: 200 }));
    case 'boolean':
      return leaf(fc.boolean());
    case 'array':
      return leaf(fc.array(depth > 3 ? fc.string() : fromSchema(doc, schema.items ?? {}, hostile, depth + 1), { maxLength: 3 }));
    case 'object':
      if (schema.properties && depth <= 3) {
        // Well-formed: the required members only (optional ones carry rules the document does not show).
        const chosen = Object.entries(schema.properties).filter(([k]) => hostile || (schema.required ?? []).includes(k));
        const members = Object.fromEntries(chosen.map(([k, s]) => [k, fromSchema(doc, s, hostile, depth + 1)]));
        const record = fc.record(members, { requiredKeys: hostile ? [] : (schema.required ?? []) });
        const extra = hostile ? fc.dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 2 }) : fc.constant({});
        return leaf(fc.tuple(record, extra).map(([r, e]) => ({ ...e, ...r })));
      }
      return leaf(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()), {
          maxKeys: 3,
        }),
      );
    default:
      return leaf(fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })));
  }
}

/** A path parameter: an existing value, or an odd shape (encoded unicode, traversal, overlong, bad escapes). */
export function pathParam(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '..',
        '%2e%2e',
        '%2F',
        '%00',
        '%ZZ',
        '%E0%A4%A',
        '%F0%9F%92%A9',
        '-1',
        '1e99',
        '%3Cscript%3E',
        'a'.repeat(101),
        'b'.repeat(5000),
        ' ',
        '%20',
      ),
    },
  );
}
