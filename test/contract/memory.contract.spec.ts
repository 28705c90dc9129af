import { MemoryEventStore } from '../../src/platform/event-store/memory.event-store';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('memory', async () => {
  const store = new MemoryEventStore();
  return { store, dispose: () => store.close() };
});
