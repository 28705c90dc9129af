// The second reference for the HTTP bench: NestJS on the Fastify adapter, as the service uses it, with one
// empty controller answering the same Ticket-sized document as bare-fastify.js: no guard, pipe, interceptor,
// logger, metrics, validation or storage. Bare Fastify -> this = what the framework costs; this -> the
// service = what our code costs. Plain JavaScript (decorators applied by hand) so it starts without a build.
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { Body, Controller, Get, Module, Param, Post } = require('@nestjs/common');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const ticket = require('./ticket.json');

// The same work as bare-fastify.js's routes: one body field or path parameter into the document.
class EmptyController {
  get(id) {
    return { ...ticket, _id: id };
  }
  post(body) {
    return { ...ticket, content: { ...ticket.content, title: body.content.title } };
  }
}
Param('id')(EmptyController.prototype, 'get', 0);
Body()(EmptyController.prototype, 'post', 0);
const method = (name) => Object.getOwnPropertyDescriptor(EmptyController.prototype, name);
Get(':id')(EmptyController.prototype, 'get', method('get'));
Post()(EmptyController.prototype, 'post', method('post'));
Controller('nest')(EmptyController);

class EmptyModule {}
Module({ controllers: [EmptyController] })(EmptyModule);

(async () => {
  const app = await NestFactory.create(EmptyModule, new FastifyAdapter({ bodyLimit: 1024 * 1024 }), { logger: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.send?.('ready');
})();
