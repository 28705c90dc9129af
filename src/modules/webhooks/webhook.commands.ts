import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS, Settings } from '../../platform/config/settings';
import { DomainError } from '../../platform/command/domain-error';
import { CommandContext, newIdFor } from '../../platform/http/request-context';
import { TicketEventType } from '../tickets';
import { VideoRoomEventType } from '../video';
import { newSigningSecret } from './signature';
import { AllowList, Lookup, TargetRefused, allowList, checkAddresses, checkUrl } from './target-guard';
import { WebhookCommand } from './webhook.decider';
import { WebhookCommandHandler } from './webhook-command-handler';
import { SecretBox } from './webhook-secrets';
import { WebhookQueries, WebhookView } from './webhook.queries';

/** The event types a subscription may ask for: those of the change feed (ticket and video room streams). */
export const DELIVERABLE_TYPES: readonly string[] = [...Object.values(TicketEventType), ...Object.values(VideoRoomEventType)];

/** How long the previous secret keeps signing after a rotation, unless the request says otherwise. */
export const DEFAULT_OVERLAP_SECONDS = 24 * 3600;

export interface SubscriptionInput {
  readonly url?: string;
  readonly events?: readonly string[];
  readonly description?: string;
}

/**
 * The staff commands on webhook subscriptions. Each checks its input (the target URL against SSRF rules,
 * the event types against the feed's), lets the decider decide, and answers from the read model.
 */
@Injectable()
export class WebhookCommands {
  private readonly allow: AllowList;
  /** For tests: how target names resolve (the system resolver by default). */
  lookup: Lookup | undefined;

  constructor(
    private readonly handler: WebhookCommandHandler,
    private readonly queries: WebhookQueries,
    private readonly box: SecretBox,
    @Inject(SETTINGS) settings: Settings,
  ) {
    this.allow = allowList(settings.webhooks.allowedHosts);
  }

  async create(
    companyId: string,
    input: Required<Pick<SubscriptionInput, 'url' | 'events'>> & SubscriptionInput,
    context: CommandContext,
  ): Promise<WebhookView & { secret: string }> {
    await this.checkTarget(input.url);
    const events = checkEvents(input.events);
    const id = `wh_${newIdFor(context, 'webhook')}`;
    const secret = newSigningSecret();
    const command: WebhookCommand = {
      kind: 'Create',
      id,
      companyId,
      url: input.url,
      events,
      description: input.description ?? '',
      sealedSecret: this.box.seal(secret),
      now: context.now,
    };
    const outcome = await this.handler.handle(id, command, context);
    // A keyed retry finds the first attempt's events: the secret it shows is the one that was stored.
    const stored = outcome.events[0]?.data as { sealed_secret?: string } | undefined;
    return { ...this.queries.view(companyId, id), secret: stored?.sealed_secret ? this.box.open(stored.sealed_secret) : secret };
  }

  async update(companyId: string, id: string, input: SubscriptionInput, context: CommandContext): Promise<WebhookView> {
    this.queries.view(companyId, id);
    if (input.url !== undefined) await this.checkTarget(input.url);
    const events = input.events === undefined ? undefined : checkEvents(input.events);
    await this.handler.handle(
      id,
      { kind: 'Update', companyId, url: input.url, events, description: input.description, now: context.now },
      context,
    );
    return this.queries.view(companyId, id);
  }

  async transition(companyId: string, id: string, kind: 'Pause' | 'Resume' | 'Delete', context: CommandContext): Promise<void> {
    this.queries.view(companyId, id);
    await this.handler.handle(id, { kind, companyId, now: context.now }, context);
  }

  async rotate(
    companyId: string,
    id: string,
    overlapSeconds: number,
    context: CommandContext,
  ): Promise<{ id: string; secret: string; previous_secret_expires_at: string }> {
    this.queries.view(companyId, id);
    const secret = newSigningSecret();
    const previousExpiresAt = new Date(Date.parse(context.now) + overlapSeconds * 1000).toISOString();
    const outcome = await this.handler.handle(
      id,
      { kind: 'RotateSecret', companyId, sealedSecret: this.box.seal(secret), previousExpiresAt, now: context.now },
      context,
    );
    const stored = outcome.events[0]?.data as { sealed_secret: string; previous_expires_at: string };
    return { id, secret: this.box.open(stored.sealed_secret), previous_secret_expires_at: stored.previous_expires_at };
  }

  private async checkTarget(url: string): Promise<void> {
    try {
      await checkAddresses(checkUrl(url, this.allow), this.allow, this.lookup);
    } catch (error) {
      if (!(error instanceof TargetRefused)) throw error;
      throw new DomainError('invalid', `url refused: ${error.message}`, { errors: [{ field: 'url', message: error.message }] });
    }
  }
}

function checkEvents(events: readonly string[]): string[] {
  const unique = [...new Set(events)];
  if (unique.includes('*')) return ['*'];
  const unknown = unique.filter((t) => !DELIVERABLE_TYPES.includes(t));
  if (unknown.length) {
    throw new DomainError('invalid', `Unknown event types: ${unknown.join(', ')}; use "*" or some of ${DELIVERABLE_TYPES.join(', ')}`, {
      errors: [{ field: 'events', message: `unknown event types: ${unknown.join(', ')}` }],
    });
  }
  return unique;
}
