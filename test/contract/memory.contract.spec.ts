import { MemoryEventStore } from '../../src/event-store/memory.event-store';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('memory', async () => {
  const store = new MemoryEventStore();
  return { store, dispose: () => store.close() };
});
