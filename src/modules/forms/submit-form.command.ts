import { Inject, Logger } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { StorefrontCaller } from '../../platform/auth/caller';
import { KeyedLock } from '../../platform/command/keyed-lock';
import { CommandContext, newIdFor } from '../../platform/http/request-context';
import { handleCommand } from '../../platform/command/command-handler';
import { EVENT_STORE, EventStore } from '../../platform/event-store/event-store.port';
import { ReadYourWrites } from '../../platform/projections/read-your-writes';
import { createdByOf } from '../tickets/http/storefront-tickets.controller';
import { TicketQueries } from '../tickets/read-model/ticket.queries';
import { TicketDoc } from '../tickets/read-model/ticket.views';
import { formDecider } from './form.decider';
import { CustomFormSubmissionPayloadDto } from './http/form.dto';
import { FormEventType, FormSubmitted, formStream } from './form.events';
import { assertTicketFits } from './form-ticket';
import { FormTicketOpener } from './form-ticket.opener';
import { FormResponseDoc, formResponseDoc } from './form.views';

/** SubmitCustomFormDetails (reference 4.7); `ticket` is absent while the ticket is still being opened. */
export interface SubmitFormAnswer {
  message: string;
  ticket?: TicketDoc;
  response: FormResponseDoc;
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
    private readonly lock: KeyedLock,
    private readonly readYourWrites: ReadYourWrites,
    private readonly opener: FormTicketOpener,
    private readonly tickets: TicketQueries,
  ) {}

  async execute({ slug, caller, body, context }: SubmitFormCommand): Promise<SubmitFormAnswer> {
    // The submission is stored only if its ticket can be written too (see `assertTicketFits`).
    const decider: typeof formDecider = {
      ...formDecider,
      decide: (command, state) => {
        const events = formDecider.decide(command, state);
        for (const e of events) if (e.type === FormEventType.FormSubmitted) assertTicketFits(state.form!, e.data, context.metadata, this.store.maxAppendSize);
        return events;
      },
    };
    const outcome = await handleCommand(
      this.store,
      this.lock,
      formStream(caller.applicationId, slug),
      decider,
      {
        kind: 'SubmitForm',
        responseId: newIdFor(context, 'response'),
        ticketId: newIdFor(context, 'ticket'),
        response: body.response.map((item) => ({ key: item.key, value: item.value })),
        attachments: (body.attachments ?? []).map((a) => ({ ...(a.display !== undefined ? { display: a.display } : {}), value: a.value, type: a.type })),
        userId: caller.userId,
        createdBy: createdByOf(caller),
        createdOn: context.createdOn,
        now: context.now,
      },
      context,
    );
    const submitted = outcome.events[0].data as FormSubmitted['data'];
    const form = outcome.state.form!;
    const response = formResponseDoc(form, submitted);
    const message = form.success_message || 'Your response has been submitted';
    let position;
    try {
      position = await this.opener.open(form, submitted, context.metadata);
    } catch (error) {
      this.logger.warn(`response ${submitted.response_id} is stored, its ticket ${submitted.ticket_id} is not open yet (${String(error)}); the reconciler will open it`);
      await this.readYourWrites.waitFor(outcome.result.position);
      return { message: 'Your response is saved; its ticket will be opened shortly', response };
    }
    await this.readYourWrites.waitFor(position);
    return { message, ticket: this.tickets.findTicket(submitted.ticket_id, { companyId: caller.companyId })!.doc, response };
  }
}
