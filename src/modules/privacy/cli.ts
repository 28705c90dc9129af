import { SequenceEventType } from '../../platform/event-store/sequences';
import 'reflect-metadata';
import { loadSettings } from '../../platform/config/settings';
import { openExistingStore } from '../../platform/event-store/event-store.module';
import { Position } from '../../platform/event-store/event-store.port';
import { isSealedEvent } from '../../platform/privacy/protected-event-store';

const USAGE = `Usage: npm run -s privacy -- <command>
  status    count the log's events by how their personal data is stored: sealed (encrypted per data subject)
            or plaintext (written before sealing), per stream type
  migrate   explains why plaintext events are not re-encrypted (docs/privacy.md "Events written before")
Settings come from the environment as for the service: LEAD_DATA_DIR, LEAD_DATABASE_FILE, LEAD_STORE, LEAD_KEY_STORE_PATH.`;

export const WHY_NOT_MIGRATE = [
  'Not migrating: plaintext events stay as they are.',
  'Re-encrypting an event in place changes the bytes its hash-chain link and its anchor cover, so audit:verify would',
  'report every migrated event as tampered, and anchors exported earlier would stop matching: the audit trail would',
  'vouch for nothing. Copying the events into new, sealed streams changes stream names (ticket-<_id>) that clients',
  'and every read model know, and leaves the plaintext originals in the log anyway (the log is append-only).',
  'What to do instead: keep the log from before sealing under the retention and access rules for personal data,',
  'answer erasure requests for those events from the list `status` prints, and let new writes be sealed.',
];

/** The privacy command line; returns the exit code (0 done, 1 refused by design, 2 cannot run). */
export async function runPrivacyCli(argv: readonly string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  const [command] = argv;
  if (command === 'migrate') {
    WHY_NOT_MIGRATE.forEach((line) => print(line));
    return 1;
  }
  if (command !== 'status') {
    print(USAGE);
    return 2;
  }
  const opened = await openExistingStore(loadSettings(env), print);
  if (!opened) return 2;
  const { db, store, keys } = opened;
  try {
    const counts = new Map<string, { sealed: number; plaintext: number }>();
    let from: Position | undefined;
    for (;;) {
      const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
      if (page.length === 0) break;
      from = page[page.length - 1].position;
      for (const event of page) {
        // A reserved number (EventStoreDB's sequence streams): no personal data, sealed or not.
        if (event.type === SequenceEventType.NumberReserved) continue;
        const kind = event.streamName.replace(/-[^-]*$/, '') || event.streamName;
        const count = counts.get(kind) ?? { sealed: 0, plaintext: 0 };
        if (isSealedEvent(event)) count.sealed++;
        else count.plaintext++;
        counts.set(kind, count);
      }
    }
    for (const [kind, count] of [...counts].sort(([a], [b]) => a.localeCompare(b)))
      print(`${kind.padEnd(24)} sealed ${String(count.sealed).padStart(8)}   plaintext ${String(count.plaintext).padStart(8)}`);
    const plaintext = [...counts.values()].reduce((n, c) => n + c.plaintext, 0);
    print(
      plaintext ? `RESULT: ${plaintext} event(s) written before sealing hold personal data in plaintext` : 'RESULT: every event is sealed',
    );
    return 0;
  } finally {
    await store.close();
    db.close();
    keys.close();
  }
}

if (require.main === module) {
  runPrivacyCli(process.argv.slice(2), process.env, (line) => process.stdout.write(line + '\n')).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`privacy: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
