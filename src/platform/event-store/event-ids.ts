import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';

// Fixed namespace for this service's deterministic event ids; changing it would break idempotent retries.
const NAMESPACE = '6f1f8a52-3c1e-4a4f-9d55-0b6a7cf1e1a1';

/**
 * UUIDv5 of a command id and the event's index in that command's output. A command retried after an unknown
 * outcome produces the same ids, so with an exact expected revision the store writes nothing twice.
 */
export function deterministicEventId(commandId: string, index: number): string {
  return uuidv5(`${commandId}#${index}`, NAMESPACE);
}

export function randomEventId(): string {
  return uuidv4();
}
