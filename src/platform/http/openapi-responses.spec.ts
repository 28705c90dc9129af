import { OpenAPIObject } from '@nestjs/swagger';
import { declareResponses, schemaRef } from './openapi-responses';

describe('declareResponses', () => {
  const document = (): OpenAPIObject => ({
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    components: { schemas: { Existing: { type: 'string' } } },
    paths: {
      '/a': {
        get: { responses: { 200: { description: 'ok', content: { 'application/json': { schema: schemaRef('Thing') } } } } },
        post: { responses: { 201: { description: 'made' }, default: { description: 'its own' } } },
      },
    },
  });

  it('registers the schemas beside the existing ones, with the problem document', () => {
    const schemas = declareResponses(document(), { Thing: { type: 'object' } }).components!.schemas!;
    expect(Object.keys(schemas).sort()).toEqual(['Existing', 'ProblemDetails', 'Thing']);
  });

  it('gives every operation a problem document as its default answer, keeping one it declared', () => {
    const { paths } = declareResponses(document());
    expect(paths['/a'].get!.responses.default).toEqual({
      description: expect.any(String),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
    });
    expect(paths['/a'].post!.responses.default).toEqual({ description: 'its own' });
  });
});
