import { ResponseSchemas, schemaRef } from '../../platform/http/openapi-responses';

/** The OpenAPI shapes of TicketDoc and TicketHistoryDoc (ticket.views.ts); keep the two in step. */
export const TICKET_SCHEMAS: ResponseSchemas = {
  Badge: {
    type: 'object',
    required: ['key', 'display', 'color'],
    properties: { key: { type: 'string' }, display: { type: 'string' }, color: { type: 'string' } },
  },
  TicketAsset: {
    type: 'object',
    required: ['value', 'type'],
    properties: { display: { type: 'string' }, value: { type: 'string' }, type: { type: 'string' } },
  },
  CreatedOn: {
    type: 'object',
    required: ['user_agent'],
    properties: { user_agent: { type: 'string' }, platform: { type: 'string' } },
  },
  Ticket: {
    type: 'object',
    required: [
      '_id', 'id', 'ticket_id', 'context', 'content', 'category', 'source', 'status', 'priority', 'created_by', 'tags',
      'created_on', '_custom_json', 'is_feedback_pending', 'created_at', 'updated_at', 'createdAt', 'updatedAt',
    ],
    properties: {
      _id: { type: 'string', description: '24-hex id' },
      id: { type: 'string', description: 'the same as _id' },
      ticket_id: { type: 'string', description: 'readable per-company number, e.g. "43"' },
      context: {
        type: 'object',
        required: ['company_id'],
        properties: { company_id: { type: 'string' }, application_id: { type: 'string' } },
      },
      content: {
        type: 'object',
        required: ['title', 'description', 'attachments'],
        properties: {
          title: { type: 'string' },
          description: { type: 'string' },
          attachments: { type: 'array', items: schemaRef('TicketAsset') },
        },
      },
      category: {
        type: 'object',
        required: ['key', 'display'],
        properties: { key: { type: 'string' }, display: { type: 'string' }, form: { type: 'object' } },
      },
      sub_category: { type: 'string' },
      source: { type: 'string', enum: ['sales_channel', 'platform_panel'] },
      status: schemaRef('Badge'),
      priority: schemaRef('Badge'),
      created_by: { type: 'object', additionalProperties: true },
      assigned_to: { type: 'object', additionalProperties: true },
      tags: { type: 'array', items: { type: 'string' } },
      created_on: schemaRef('CreatedOn'),
      response_id: { type: 'string' },
      video_room_id: { type: 'string' },
      _custom_json: { type: 'object', additionalProperties: true },
      additional_info: { type: 'array', items: { type: 'object', additionalProperties: true } },
      subscribers: { type: 'array', items: { type: 'string' } },
      is_feedback_pending: { type: 'boolean' },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
  TicketHistory: {
    type: 'object',
    required: ['_id', 'ticket_id', 'type', 'value', 'created_by', 'created_on', 'created_at', 'updated_at', 'createdAt', 'updatedAt'],
    properties: {
      _id: { type: 'string' },
      ticket_id: { type: 'string', description: 'the readable ticket number' },
      type: { type: 'string', example: 'comment' },
      value: { type: 'object', additionalProperties: true },
      created_by: { type: 'object', additionalProperties: true },
      created_on: schemaRef('CreatedOn'),
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
};
