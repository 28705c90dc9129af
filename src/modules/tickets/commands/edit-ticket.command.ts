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
    this.queries.visibleTicket(ticketId, scope);
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
    await this.tickets.handle(ticketId, command, context, { ifRevisionIn });
    return this.queries.findTicket(ticketId, scope)!;
  }
}
