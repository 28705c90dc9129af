// The video module's public face: its event contract (the tickets read model shows whether a ticket's room
// is open). Everything else in this folder is internal.
export * from './video-room.events';
