import { ResponseSchemas, schemaRef } from '../../../platform/http/openapi-responses';

/** The OpenAPI shapes of Page and TicketHistoryList (desk.views.ts); keep them in step. */
export const DESK_SCHEMAS: ResponseSchemas = {
  Page: {
    type: 'object',
    required: ['type', 'current', 'size', 'page_size', 'item_total', 'has_next', 'has_previous'],
    properties: {
      type: { type: 'string', enum: ['number'] },
      current: { type: 'integer' },
      size: { type: 'integer' },
      page_size: { type: 'integer' },
      item_total: { type: 'integer' },
      has_next: { type: 'boolean' },
      has_previous: { type: 'boolean' },
      next_id: { type: 'string', description: 'pass back as `before` for the next page' },
    },
  },
  TicketHistoryList: {
    type: 'object',
    required: ['items', 'page'],
    properties: { items: { type: 'array', items: schemaRef('TicketHistory') }, page: schemaRef('Page') },
  },
};
