import { Inject, Logger } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { StorefrontCaller } from '../../platform/auth/caller';
import { CommandContext, newIdFor } from '../../platform/http/request-context';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { OpenedTicketDoc, TicketAccessKeys, TicketQueries, createdByOf } from '../tickets';
import { FormCommandHandler } from './form-command-handler';
import { AgentGroups } from '../agent-groups';
import { CustomFormSubmissionPayloadDto } from './http/form.dto';
import { FormEventType, FormSubmitted } from './form.events';
import { assertTicketFits } from './form-ticket';
import { FormTicketOpener } from './form-ticket.opener';
import { FormResponseDoc, formResponseDoc } from './form.views';

/**
 * SubmitCustomFormDetails (reference 4.7); `ticket` is absent while the ticket is still being opened.
 * An anonymous submitter gets its ticket's access key, in `ticket` as from createTicket and beside it (so it
 * has the key even when the ticket is opened later by the reconciler).
 */
export interface SubmitFormAnswer {
  message: string;
  ticket?: OpenedTicketDoc;
  response: FormResponseDoc;
  access_key?: string;
}

export class SubmitFormCommand extends Command<SubmitFormAnswer> {
  constructor(
    readonly slug: string,
    readonly caller: StorefrontCaller,
    readonly body: CustomFormSubmissionPayloadDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * Stores the submission (FormSubmitted, decided against the form as it stands), then opens its ticket.
 * Should opening the ticket fail after the submission is stored, the submission is kept and answered, and
 * the reconciler opens the very same ticket later (see FormTicketReconciler).
 */
@CommandHandler(SubmitFormCommand)
export class SubmitFormHandler implements ICommandHandler<SubmitFormCommand> {
  private readonly logger = new Logger('SubmitForm');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly forms: FormCommandHandler,
    private readonly readYourWrites: ReadYourWrites,
    private readonly opener: FormTicketOpener,
    private readonly tickets: TicketQueries,
    private readonly accessKeys: TicketAccessKeys,
    private readonly groups: AgentGroups,
  ) {}

  /**
   * The form's agent group and its agents, read before the decision (another stream: the decider stays pure
   * and checks the form still names this group, see `assignmentOf`). Undefined for a form without one.
   */
  private async formGroup(applicationId: string, companyId: string, slug: string) {
    const groupId = (await this.forms.state({ applicationId, slug })).form?.group_id;
    if (groupId === undefined) return undefined;
    const group = (await this.groups.state(companyId)).groups.find((g) => g.id === groupId);
    return group && { id: group.id, agents: group.agents };
  }

  async execute({ slug, caller, body, context }: SubmitFormCommand): Promise<SubmitFormAnswer> {
    const access = caller.userId ? undefined : this.accessKeys.issue(context, 'ticket');
    const group = await this.formGroup(caller.applicationId, caller.companyId, slug);
    const key = access ? { access_key: access.key } : {};
    const outcome = await this.forms.handle(
      { applicationId: caller.applicationId, slug },
      {
        kind: 'SubmitForm',
        responseId: newIdFor(context, 'response'),
        ticketId: newIdFor(context, 'ticket'),
        response: body.response.map((item) => ({ key: item.key, value: item.value })),
        attachments: (body.attachments ?? []).map((a) => ({
          ...(a.display !== undefined ? { display: a.display } : {}),
          value: a.value,
          type: a.type,
        })),
        userId: caller.userId,
        ...(access ? { accessKeySha256: access.sha256 } : {}),
        ...(group ? { group } : {}),
        createdBy: createdByOf(caller),
        createdOn: context.createdOn,
        now: context.now,
      },
      context,
      {
        // The submission is stored only if its ticket can be written too (see `assertTicketFits`).
        vet: (events, state) => {
          for (const e of events)
            if (e.type === FormEventType.FormSubmitted) assertTicketFits(state.form!, e.data, context.metadata, this.store.maxAppendSize);
        },
      },
    );
    const submitted = outcome.events[0].data as FormSubmitted['data'];
    const form = outcome.state.form!;
    const response = formResponseDoc(form, submitted);
    const message = form.success_message || 'Your response has been submitted';
    let position;
    try {
      position = await this.opener.open(form, submitted, context.metadata);
    } catch (error) {
      this.logger.warn(
        `response ${submitted.response_id} is stored, its ticket ${submitted.ticket_id} is not open yet (${String(error)}); the reconciler will open it`,
      );
      return { message: 'Your response is saved; its ticket will be opened shortly', response, ...key };
    }
    await this.readYourWrites.waitFor(position);
    return {
      message,
      ticket: { ...this.tickets.findTicket(submitted.ticket_id, { companyId: caller.companyId })!.doc, ...key },
      response,
      ...key,
    };
  }
}
