import { VideoRoomCommandHandler } from './video-room-command-handler';
import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { FastifyInstance } from 'fastify';
import { AuthModule } from '../../platform/auth/auth.module';
import { TicketsModule } from '../tickets/tickets.module';
import { LiveKit } from './livekit';
import { LiveKitWebhookController, WEBHOOK_CONTENT_TYPE } from './http/livekit-webhook.controller';
import { StaffVideoController } from './http/staff-video.controller';
import { StorefrontVideoController } from './http/storefront-video.controller';
import { CloseVideoRoomHandler, OpenVideoRoomHandler, ReportVideoActivityHandler } from './video-room.commands';
import { VideoRoomProjection } from './video-room.projection';
import { VideoRoomQueries } from './video-room.queries';
import { VideoRooms } from './video-rooms';

@Module({
  imports: [CqrsModule, AuthModule, TicketsModule],
  controllers: [StaffVideoController, StorefrontVideoController, LiveKitWebhookController],
  providers: [
    VideoRoomCommandHandler,
    OpenVideoRoomHandler,
    CloseVideoRoomHandler,
    ReportVideoActivityHandler,
    VideoRooms,
    VideoRoomQueries,
    VideoRoomProjection,
    LiveKit,
  ],
  exports: [VideoRoomProjection],
})
export class VideoModule implements OnModuleInit {
  constructor(private readonly http: HttpAdapterHost) {}

  onModuleInit(): void {
    // A webhook's signature covers the exact bytes LiveKit sent, so its body is kept as the raw string
    // instead of being parsed as JSON. No other route takes this content type.
    const fastify = this.http.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasContentTypeParser(WEBHOOK_CONTENT_TYPE)) {
      fastify.addContentTypeParser(WEBHOOK_CONTENT_TYPE, { parseAs: 'string' }, (_request, body, done) => done(null, body));
    }
  }
}
