import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { StaffCaller } from '../../platform/auth/caller';
import { DomainError } from '../../platform/command/domain-error';
import { CommandContext, newIdFor } from '../../platform/http/request-context';
import { validateDefinition } from './form-inputs';
import { AgentGroups } from '../agent-groups';
import { FormCommand } from './form.decider';
import { FormCommandHandler } from './form-command-handler';
import { CreateCustomFormPayloadDto, EditCustomFormPayloadDto } from './http/form.dto';
import { FormSettings } from './form.events';
import { CustomFormDoc, customFormDoc } from './form.views';

/** Staff commands on a form's definition: create, edit (PUT), delete. Each answers the CustomForm. */
export class DefineFormCommand extends Command<CustomFormDoc> {
  constructor(
    readonly action: 'create' | 'edit' | 'delete',
    readonly slug: string,
    readonly caller: StaffCaller & { applicationId: string },
    readonly context: CommandContext,
    readonly body?: CreateCustomFormPayloadDto | EditCustomFormPayloadDto,
  ) {
    super();
  }
}

@CommandHandler(DefineFormCommand)
export class DefineFormHandler implements ICommandHandler<DefineFormCommand> {
  constructor(
    private readonly forms: FormCommandHandler,
    private readonly groups: AgentGroups,
  ) {}

  async execute({ action, slug, caller, context, body }: DefineFormCommand): Promise<CustomFormDoc> {
    const actor = caller.userId ?? caller.clientId;
    const settings = body && (await settingsOf(body));
    if (settings?.group_id !== undefined) await assertGroup(this.groups, caller.companyId, settings.group_id);
    let command: FormCommand;
    if (action === 'create') {
      const data = {
        ...settings!,
        id: newIdFor(context, 'form'),
        company_id: caller.companyId,
        application_id: caller.applicationId,
        slug,
      };
      command = { kind: 'CreateForm', data: { ...data, created_by: actor, created_on: context.createdOn, created_at: context.now } };
    } else if (action === 'edit') {
      command = { kind: 'EditForm', settings: settings!, editedBy: actor, now: context.now };
    } else {
      command = { kind: 'DeleteForm', deletedBy: actor, now: context.now };
    }
    const outcome = await this.forms.handle({ applicationId: caller.applicationId, slug }, command, context);
    // After a delete the state still holds the form as it was: DELETE answers with it.
    return customFormDoc(outcome.state.form!);
  }
}

/** A form may name only a group of its company (a 400 names the field otherwise). */
async function assertGroup(groups: AgentGroups, companyId: string, groupId: string): Promise<void> {
  if ((await groups.state(companyId)).groups.some((g) => g.id === groupId)) return;
  const message = `no agent group ${groupId} in this company`;
  throw new DomainError('invalid', `group_id: ${message}`, { errors: [{ field: 'group_id', message }] });
}

/**
 * The settings a payload gives, checked across fields (ReDoS analysis included) and resolved: PUT replaces,
 * so a setting left out takes its default. Copied field by field into plain JSON for the event.
 */
async function settingsOf(body: CreateCustomFormPayloadDto | EditCustomFormPayloadDto): Promise<FormSettings> {
  const inputs = body.inputs.map((i) =>
    plain({
      key: i.key,
      display: i.display,
      type: i.type,
      required: i.required,
      placeholder: i.placeholder,
      regex: i.regex,
      showRegexInput: i.showRegexInput,
      error_message: i.error_message,
      enum: i.enum?.map((o) => ({ display: o.display, key: o.key })),
    }),
  );
  const errors = await validateDefinition(inputs);
  if (errors.length > 0) {
    throw new DomainError('invalid', `Invalid form: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
  }
  return plain({
    title: body.title,
    description: body.description ?? '',
    header_image: body.header_image,
    priority: body.priority,
    login_required: ('login_required' in body && body.login_required) || false,
    should_notify: body.should_notify ?? false,
    success_message: body.success_message,
    submit_button: body.submit_button && { ...body.submit_button },
    inputs,
    available_assignees: body.available_assignees ?? [],
    group_id: body.group_id,
    poll_for_assignment: body.poll_for_assignment && { ...body.poll_for_assignment },
  });
}

/** Drops undefined members (DTO instances carry every declared field), so events hold only what was given. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
