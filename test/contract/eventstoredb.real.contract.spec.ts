import { spawnSync } from 'node:child_process';
import type { StartedTestContainer } from 'testcontainers';
import { connectEventStoreDb } from '../../src/platform/event-store/eventstoredb.event-store';
import { describeEventStoreContract } from './event-store.contract';

/**
 * The contract against a REAL EventStoreDB, the final word the test double cannot give (system events, real
 * positions, the server's own idempotency). `npm run test:esdb-real`. The server is, in this order:
 *   - LEAD_ESDB_REAL_URL, e.g. esdb://127.0.0.1:2113?tls=false
 *   - else a throw-away eventstore/eventstore:24.10 container, if testcontainers finds a container runtime
 *   - else the suite is SKIPPED, saying why (never passed without having run).
 */
const IMAGE = 'eventstore/eventstore:24.10';
const realUrl = process.env.LEAD_ESDB_REAL_URL;

// Pulling and starting the image can take minutes on a cold machine.
jest.setTimeout(300_000);

/**
 * Jest decides what to skip while collecting tests, synchronously, so the (async) runtime probe runs in a child
 * process. It is testcontainers' own check: a `docker` CLI without a daemon answers nothing.
 */
function probeContainerRuntime(): { ok: true } | { ok: false; reason: string } {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      "require('testcontainers').getContainerRuntimeClient().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })",
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (probe.status === 0) return { ok: true };
  return { ok: false, reason: (probe.stderr || probe.error?.message || 'no answer').trim().split('\n').pop()! };
}

const runtime = realUrl ? { ok: true as const } : probeContainerRuntime();

if (!runtime.ok) {
  const reason = `no LEAD_ESDB_REAL_URL and no container runtime (testcontainers: ${runtime.reason})`;
  console.warn(`Real EventStoreDB contract SKIPPED: ${reason}`);
  describe.skip('event-store contract: eventstoredb (REAL server)', () => {
    it.skip(`SKIPPED, not passed: ${reason}`, () => undefined);
  });
} else {
  describeEventStoreContract(`eventstoredb (REAL server: ${realUrl ? 'LEAD_ESDB_REAL_URL' : IMAGE})`, async () => {
    let container: StartedTestContainer | undefined;
    let url = realUrl;
    if (!url) {
      // Loaded only here: testcontainers is heavy, and most runs skip this suite or use a given URL.
      const { GenericContainer, Wait } = await import('testcontainers');
      container = await new GenericContainer(IMAGE)
        .withEnvironment({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_MEM_DB: 'true' })
        .withExposedPorts(2113)
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
        .withStartupTimeout(180_000)
        .start();
      url = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
    }
    const store = await connectEventStoreDb(url);
    return {
      store,
      dispose: async () => {
        await store.close();
        await container?.stop();
      },
    };
  });
}
