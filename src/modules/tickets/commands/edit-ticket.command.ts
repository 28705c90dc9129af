import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandContext, newIdFor } from '../../../platform/http/request-context';
import { SETTINGS, Settings } from '../../../platform/config/settings';
import { TicketChanges } from '../ticket.decider';
import { DomainError } from '../../../platform/command/domain-error';
import { AgentGroups } from '../../agent-groups';
import { TicketCommandHandler } from './ticket-command-handler';
import { TicketQueries, TicketScope } from '../read-model/ticket.queries';
import { TicketDoc } from '../read-model/ticket.views';
import { editTicketDoc } from '../read-model/ticket-doc';
import { TicketDeskEvent, TicketEvent, TicketEventType } from '../ticket.events';

const DOC_EVENTS = new Set<string>(
  Object.values(TicketEventType).filter((t) => t !== TicketEventType.TicketCreated && t !== TicketEventType.HistoryAppended),
);
const isDeskEvent = (e: TicketEvent): e is TicketDeskEvent => DOC_EVENTS.has(e.type);

export class EditTicketCommand extends Command<{ doc: TicketDoc; revision: number }> {
  constructor(
    readonly ticketId: string,
    readonly scope: TicketScope,
    readonly changes: TicketChanges,
    readonly createdBy: Record<string, unknown>,
    /** Revisions the client's If-Match allows; undefined = no precondition. */
    readonly ifRevisionIn: readonly bigint[] | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(EditTicketCommand)
export class EditTicketHandler implements ICommandHandler<EditTicketCommand> {
  constructor(
    private readonly tickets: TicketCommandHandler,
    private readonly queries: TicketQueries,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly groups: AgentGroups,
  ) {}

  /** A ticket joins only a group of its company that exists now (a deleted group is refused as unknown). */
  private async assertGroup(companyId: string, groupId: string): Promise<void> {
    if ((await this.groups.state(companyId)).groups.some((g) => g.id === groupId)) return;
    const message = `no agent group ${groupId} in this company`;
    throw new DomainError('invalid', `group_id: ${message}`, { errors: [{ field: 'group_id', message }] });
  }

  async execute({
    ticketId,
    scope,
    changes,
    createdBy,
    ifRevisionIn,
    context,
  }: EditTicketCommand): Promise<{ doc: TicketDoc; revision: number }> {
    const before = this.queries.visibleTicket(ticketId, scope);
    if (typeof changes.group_id === 'string') await this.assertGroup(scope.companyId, changes.group_id);
    const { createdOn, now } = context;
    const historyId = newIdFor(context, 'history');
    const command = {
      kind: 'EditTicket',
      changes,
      historyId,
      createdBy,
      createdOn,
      now,
      maxHistory: this.settings.maxHistoryPerTicket,
    } as const;
    // An edit that changes nothing appends nothing, and answers the ticket as it is.
    const { events, result } = await this.tickets.handle(ticketId, command, context, { ifRevisionIn });
    // The answer is the document read before, with what this command appended applied by the projection's own
    // function, when that read was exactly the revision the events follow. Otherwise (another write came in
    // between, or a keyed retry of events already shown) the read model answers, after read-your-writes.
    if (BigInt(before.revision) === result.nextExpectedRevision - BigInt(events.length)) {
      const doc = events.reduce((d, e) => (isDeskEvent(e) ? editTicketDoc(d, e) : d), before.doc);
      return { doc, revision: Number(result.nextExpectedRevision) };
    }
    return this.queries.findTicket(ticketId, scope)!;
  }
}
