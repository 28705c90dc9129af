import { EventMetadata, EventStore } from '../event-store/event-store.port';
import { ChainKey } from '../event-store/hash-chain';
import { ReadYourWrites } from '../projections/read-your-writes';
import { CommandOptions, CommandOutcome, Decider, Numbering, foldStream, handleCommand } from './command-handler';
import { KeyedLock } from './keyed-lock';

/** What binds a decider to the store: how one instance's stream is named. */
export interface AggregateDefinition<Command, State, Event extends { type: string; data: unknown }, Id = string> {
  readonly streamOf: (id: Id) => string;
  readonly decider: Decider<Command, State, Event>;
  /** Events that take a number from a sequence as they are written (ticket numbers). */
  readonly numbering?: Numbering<Event>;
}

export interface CommandHandlingDeps {
  readonly store: EventStore;
  readonly lock: KeyedLock;
  /** The audit key every event's chain link is keyed with. */
  readonly chain: ChainKey;
  readonly readYourWrites: ReadYourWrites;
}

/**
 * One aggregate's command path, bound once (in the spirit of emmett's DeciderCommandHandler): it owns the
 * stream name, the per-stream lock, the fold, the append at the revision it read, and the wait until the read
 * models show what was appended. A command file then holds only its decision's input and its answer.
 */
export class DeciderCommandHandler<Command, State, Event extends { type: string; data: unknown }, Id = string> {
  constructor(
    private readonly deps: CommandHandlingDeps,
    readonly aggregate: AggregateDefinition<Command, State, Event, Id>,
  ) {}

  async handle(
    id: Id,
    command: Command,
    context: { commandId: string; metadata: EventMetadata },
    options: CommandOptions<State, Event> = {},
  ): Promise<CommandOutcome<State, Event>> {
    const { store, lock, chain, readYourWrites } = this.deps;
    const outcome = await handleCommand(store, lock, chain, this.aggregate.streamOf(id), this.aggregate.decider, command, context, {
      ...options,
      numbering: this.aggregate.numbering,
    });
    // A command that decided nothing appended nothing: there is no new position to wait for.
    if (outcome.events.length)
      await readYourWrites.waitFor(
        outcome.result.position,
        outcome.events.map((e) => e.type),
        { companyId: context.metadata.tenant?.companyId },
      );
    return outcome;
  }

  /** The aggregate's state as its stream says now (not as a read model may lag). */
  async state(id: Id): Promise<State> {
    return foldStream(this.aggregate.decider, await this.deps.store.readStream(this.aggregate.streamOf(id)));
  }
}
