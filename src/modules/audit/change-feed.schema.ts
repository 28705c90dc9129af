import { ResponseSchemas, schemaRef } from '../../platform/http/openapi-responses';

// OpenAPI 3.0 (what @nestjs/swagger writes) spells "or null" as `nullable`.
const nullable = <T extends object>(schema: T) => ({ ...schema, nullable: true });

/** The OpenAPI shape of FeedPage (change-feed.ts); keep them in step. */
export const CHANGE_FEED_SCHEMAS: ResponseSchemas = {
  ChangeFeedItem: {
    type: 'object',
    required: [
      'stream',
      'revision',
      'position',
      'id',
      'type',
      'occurred_at',
      'recorded_at',
      'actor',
      'tenant',
      'correlation_id',
      'causation_id',
      'data',
    ],
    properties: {
      stream: { type: 'string', example: 'ticket-6b06ebe45bd1f6d8a1fd3ab1' },
      revision: { type: 'integer' },
      position: { type: 'string', description: 'global-log position' },
      id: { type: 'string' },
      type: { type: 'string', example: 'TicketCreated' },
      occurred_at: nullable({ type: 'string', format: 'date-time' }),
      recorded_at: { type: 'string', format: 'date-time' },
      actor: nullable({
        type: 'object',
        required: ['type', 'id'],
        properties: { type: { type: 'string' }, id: { type: 'string' }, client_id: { type: 'string' } },
      }),
      tenant: nullable({
        type: 'object',
        required: ['company_id'],
        properties: { company_id: { type: 'string' }, application_id: { type: 'string' } },
      }),
      correlation_id: nullable({ type: 'string' }),
      causation_id: nullable({ type: 'string' }),
      data: { type: 'object', additionalProperties: true },
    },
  },
  ChangeFeedPage: {
    type: 'object',
    required: ['items', 'next_cursor', 'end_of_stream'],
    properties: {
      items: { type: 'array', items: schemaRef('ChangeFeedItem') },
      next_cursor: nullable({ type: 'string', description: 'pass back as `after`; null: nothing read yet' }),
      end_of_stream: { type: 'boolean' },
    },
  },
};
