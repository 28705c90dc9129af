import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';

/** How long requests in flight may take to finish once a shutdown begins; then their connections are cut. */
const GRACE_MS = 10_000;

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
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const logger = new Logger('Shutdown');
    logger.log('no new requests; finishing those in flight');
    const closed = fastify.close();
    // A keep-alive connection whose request finishes after the close began would otherwise stay open until
    // its keep-alive timeout, and the server's close with it: close connections as they become idle.
    const sweep = setInterval(() => fastify.server.closeIdleConnections(), 25);
    const cut = setTimeout(() => fastify.server.closeAllConnections(), GRACE_MS);
    try {
      await closed;
      logger.log('HTTP server closed; stopping projections, then the store');
    } finally {
      clearInterval(sweep);
      clearTimeout(cut);
    }
  }
}
