import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';

/**
 * First step of a shutdown (SIGTERM or app.close()): Nest runs `onModuleDestroy` before any
 * `beforeApplicationShutdown`, so the server stops accepting and finishes the requests in flight while the
 * projections still run (a write in flight waits for its read models). Then the runner stops (every batch is
 * committed with its checkpoint), the audit anchorer writes its last anchors, and the store and the SQLite
 * file are closed (`onApplicationShutdown`). Nest's own later close of the server finds it closed.
 */
@Injectable()
export class GracefulHttpClose implements OnModuleDestroy {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async onModuleDestroy(): Promise<void> {
    await this.adapterHost.httpAdapter?.getInstance<FastifyInstance>().close();
  }
}
