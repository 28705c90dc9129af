import { ChainKey } from '../../src/platform/event-store/hash-chain';
import { RecordedEvent } from '../../src/platform/event-store/event-store.port';
import { TicketCreated } from '../../src/modules/tickets/ticket.events';

/**
 * Builds recorded events for projection unit specs, as a store would deliver them: each call takes the next
 * global position unless one is given.
 */
export function eventRecorder(streamName = 'ticket-t1') {
  let last = 0;
  return (type: string, data: object, revision: number, position = ++last): RecordedEvent => {
    last = Math.max(last, position);
    return {
      id: `e-${position}`,
      streamName,
      type,
      data: data as Record<string, unknown>,
      metadata: {},
      revision: BigInt(revision),
      position: { commit: BigInt(position), prepare: BigInt(position) },
      created: new Date(),
    };
  };
}

/** A complete TicketCreated payload; override what the spec is about. */
export function ticketCreatedData(overrides: Partial<TicketCreated['data']> = {}): TicketCreated['data'] {
  return {
    id: 't1',
    company_id: '1',
    application_id: 'app',
    source: 'sales_channel',
    content: { title: 't', description: '', attachments: [] },
    category: { key: 'c', display: 'C' },
    status: 'pending',
    priority: 'low',
    created_by: {},
    created_on: { user_agent: 'ua' },
    tags: [],
    created_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A fixed audit key for specs that run commands without the Nest container. */
export const testChainKey = new ChainKey(Buffer.from('a test audit key of at least 32 characters'));
