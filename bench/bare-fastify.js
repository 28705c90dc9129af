// The ceiling for the HTTP bench: bare Fastify on this machine, answering a Ticket-sized JSON body with no
// auth, validation, storage or framework layers. Started by http.bench.ts in its own process.
const fastify = require('fastify')({ logger: false, bodyLimit: 1024 * 1024 });

const ticket = {
  _id: '6b06e63ad5ee9451d0dc74d1',
  id: '6b06e63ad5ee9451d0dc74d1',
  ticket_id: '1',
  context: { company_id: '1', application_id: '000000000000000000000a01' },
  content: { title: 'Where is my order?', description: 'It has been a week', attachments: [] },
  category: { key: 'order-issue', display: 'Order Issue' },
  source: 'sales_channel',
  status: { key: 'pending', display: 'Pending', color: '#eae22b' },
  priority: { key: 'high', display: 'High', color: '#fe4a49' },
  created_by: { id: 'user-1' },
  tags: [],
  created_on: { user_agent: 'autocannon', platform: 'web' },
  _custom_json: {},
  is_feedback_pending: false,
  created_at: '2026-11-25T13:44:26.057Z',
  updated_at: '2026-11-25T13:44:26.057Z',
  createdAt: '2026-11-25T13:44:26.057Z',
  updatedAt: '2026-11-25T13:44:26.057Z',
};

fastify.post('/bare', async (request) => ({ ...ticket, content: { ...ticket.content, title: request.body.content.title } }));
fastify.get('/bare/:id', async (request) => ({ ...ticket, _id: request.params.id }));
fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => process.send?.('ready'));
