import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StorefrontCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StorefrontAuthGuard } from '../../../platform/auth/storefront-auth.guard';
import { VideoRooms, videoCallerOf } from '../video-rooms';
import { GetParticipantsInsideVideoRoomResponse, GetTokenForVideoRoomResponse } from './video.dto';

/** Storefront video routes: a signed-in user joins the room of their own ticket. */
@ApiTags('storefront: video rooms')
@ApiBearerAuth()
@UseGuards(StorefrontAuthGuard)
@Controller('service/application/lead/v1.0/video/room')
export class StorefrontVideoController {
  constructor(private readonly rooms: VideoRooms) {}

  @Get(':unique_name/token')
  @ApiOperation({ summary: 'getTokenForVideoRoom: "your ticket to the room"; identity user:<x-user-id>' })
  @ApiOkResponse({ type: GetTokenForVideoRoomResponse })
  token(@Param('unique_name') room: string, @CurrentCaller() caller: StorefrontCaller) {
    return this.rooms.token(room, videoCallerOf(caller));
  }

  @Get(':unique_name/participants')
  @ApiOperation({ summary: 'getParticipantsInsideVideoRoom: who is already in the room' })
  @ApiOkResponse({ type: GetParticipantsInsideVideoRoomResponse })
  participants(@Param('unique_name') room: string, @CurrentCaller() caller: StorefrontCaller) {
    return this.rooms.participants(room, videoCallerOf(caller));
  }
}
