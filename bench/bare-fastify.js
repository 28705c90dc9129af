// The ceiling for the HTTP bench: bare Fastify on this machine, answering a Ticket-sized JSON body with no
// auth, validation, storage or framework layers. Started by http.bench.ts in its own process.
const fastify = require('fastify')({ logger: false, bodyLimit: 1024 * 1024 });

const ticket = require('./ticket.json');

fastify.post('/bare', async (request) => ({ ...ticket, content: { ...ticket.content, title: request.body.content.title } }));
fastify.get('/bare/:id', async (request) => ({ ...ticket, _id: request.params.id }));
fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => process.send?.('ready'));
