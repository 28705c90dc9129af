import { Decider } from '../../src/platform/command/command-handler';

type DomainEvent = { type: string; data: unknown };

/**
 * Given / When / Then for a pure decider (after emmett's DeciderSpecification): given the events a stream
 * holds (or a state made by hand, for bounds no test should have to reach by thousands of events), when a
 * command is decided, then these events, nothing, or a refusal of this kind.
 */
export function deciderSpecification<Command, State, Event extends DomainEvent>(decider: Decider<Command, State, Event>) {
  const scenario = (state: State) => ({
    /** The state the given events fold to. */
    state,
    when(command: Command) {
      const decide = () => decider.decide(command, state);
      return {
        /** The events decided; a function gets them to check what an equality cannot say. */
        then(expected: readonly Event[] | ((events: Event[], after: State) => void)): Event[] {
          const events = decide();
          if (typeof expected === 'function') expected(events, events.reduce(decider.evolve, state));
          else expect(events).toEqual(expected);
          return events;
        },
        /** The events decided, to check piece by piece or to be the next scenario's given. */
        decided: (): Event[] => decide(),
        thenNothingHappens(): void {
          expect(decide()).toEqual([]);
        },
        /** Refused with a DomainError of this kind (`not_found`, `conflict`, `limit`, ...). */
        thenRefuses(kind: string): void {
          expect(decide).toThrow(expect.objectContaining({ kind }));
        },
      };
    },
  });
  return {
    given: (events: readonly Event[] = []) => scenario(events.reduce(decider.evolve, decider.initialState)),
    givenState: (state: State) => scenario(state),
  };
}
