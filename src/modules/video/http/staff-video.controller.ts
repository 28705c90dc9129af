import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { StaffCaller } from '../../../platform/auth/caller';
import { CurrentCaller } from '../../../platform/auth/current-caller.decorator';
import { StaffAuthGuard } from '../../../platform/auth/staff-auth.guard';
import { commandContext } from '../../../platform/http/request-context';
import { CloseVideoRoomCommand, OpenVideoRoomCommand } from '../video-room.commands';
import { VideoRooms, videoCallerOf } from '../video-rooms';
import { Idempotent } from '../../../platform/http/idempotency/idempotent.decorator';
import {
  CloseVideoRoomResponse,
  CreateVideoRoomPayloadDto,
  CreateVideoRoomResponse,
  GetParticipantsInsideVideoRoomResponse,
  GetTokenForVideoRoomResponse,
} from './video.dto';

const COMPANY = 'service/platform/lead/v1.0/company/:company_id';

/**
 * Staff video routes, at company level (any ticket of the company) and application level (tickets of that
 * application only): open and close a ticket's room, get a token for it, see who is in it.
 */
@ApiTags('staff: video rooms')
@ApiBearerAuth()
@UseGuards(StaffAuthGuard)
@Controller([`${COMPANY}/video/room`, `${COMPANY}/application/:application_id/video/room`])
export class StaffVideoController {
  constructor(
    private readonly commands: CommandBus,
    private readonly rooms: VideoRooms,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'openVideoRoom: open the video room of a ticket (unique_name = ticket _id)' })
  @ApiOkResponse({ type: CreateVideoRoomResponse })
  open(@Body() body: CreateVideoRoomPayloadDto, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest) {
    const notify = (body.notify ?? []).map((n) => ({ country_code: n.country_code, phone_number: n.phone_number }));
    return this.commands.execute(
      new OpenVideoRoomCommand(body.unique_name, videoCallerOf(caller).scope, notify, commandContext(request, caller)),
    );
  }

  @Delete(':unique_name')
  @ApiOperation({ summary: 'closeVideoRoom: close the room and force all participants to leave' })
  @ApiOkResponse({ type: CloseVideoRoomResponse })
  close(@Param('unique_name') room: string, @CurrentCaller() caller: StaffCaller, @Req() request: FastifyRequest) {
    return this.commands.execute(new CloseVideoRoomCommand(room, videoCallerOf(caller).scope, commandContext(request, caller)));
  }

  @Get(':unique_name/token')
  @ApiOperation({ summary: 'getTokenForVideoRoom: a LiveKit token for this room, identity staff:<id>' })
  @ApiOkResponse({ type: GetTokenForVideoRoomResponse })
  token(@Param('unique_name') room: string, @CurrentCaller() caller: StaffCaller) {
    return this.rooms.token(room, videoCallerOf(caller));
  }

  @Get(':unique_name/participants')
  @ApiOperation({ summary: 'getVideoParticipants: who is in the room now' })
  @ApiOkResponse({ type: GetParticipantsInsideVideoRoomResponse })
  participants(@Param('unique_name') room: string, @CurrentCaller() caller: StaffCaller) {
    return this.rooms.participants(room, videoCallerOf(caller));
  }
}
