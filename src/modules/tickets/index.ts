// The tickets module's public face: what another module may use. Everything else in this folder is internal
// (the boundary lint, .dependency-cruiser.js, refuses an import that reaches past this file).
export * from './ticket.events';
export * from './ticket-catalogue';
export { OpenTicket, ticketDecider } from './ticket.decider';
export { TicketCommandHandler } from './commands/ticket-command-handler';
export { TicketQueries, TicketScope } from './read-model/ticket.queries';
export { TicketDoc } from './read-model/ticket.views';
export { Attachments, TicketAssetDto } from './http/ticket.dto';
export { OpenedTicketDoc, createdByOf, storefrontScopeOf } from './http/storefront-tickets.controller';
export { TicketAccessKeys, accessKeyMatches } from './ticket-access';
export { StaffAnswerBlocks } from './http/staff-answer-blocks';
export { ExtraHistoryEntry, HistoryEntrySource, StaffHistoryEntries } from './http/staff-history-entries';
