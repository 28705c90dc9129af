import { Inject, Injectable } from '@nestjs/common';
import { DeciderCommandHandler } from '../../platform/command/decider-command-handler';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { ChainKey } from '../../platform/event-store/hash-chain';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { VideoRoomCommand, VideoRoomState, videoRoomDecider } from './video-room.decider';
import { VideoRoomEvent, videoRoomStream } from './video-room.events';

/** The video room aggregate's command path: `video-room-<ticket _id>` streams decided by videoRoomDecider. */
@Injectable()
export class VideoRoomCommandHandler extends DeciderCommandHandler<VideoRoomCommand, VideoRoomState, VideoRoomEvent> {
  constructor(@Inject(EVENT_STORE) store: EventStore, lock: KeyedLock, chain: ChainKey, readYourWrites: ReadYourWrites) {
    super({ store, lock, chain, readYourWrites }, { streamOf: videoRoomStream, decider: videoRoomDecider });
  }
}
