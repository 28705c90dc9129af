import 'reflect-metadata';
import { loadSettings } from '../../platform/config/settings';
import { openExistingStore } from '../../platform/event-store/event-store.module';
import { formatPosition, parsePosition } from '../audit';
import { leaseStream } from './delivery-lease';
import { leaseStateOf } from './delivery-lease-stream';
import { DeliveryStore } from './delivery-store';
import { subscriptionLag } from './delivery-worker';
import { WebhookQueries } from './webhook.queries';

const USAGE = `Usage: npm run -s webhooks -- status   (or: node dist/modules/webhooks/cli.js status)
  status   one line per subscription: status, this instance's deliveries pending/delivered/failed, lag, the recorded
           cursor, the lease owner and its expiry (from the event store: the same on every instance), url
Settings come from the environment as for the service: LEAD_DATA_DIR, LEAD_DATABASE_FILE, LEAD_STORE.`;

/** The webhooks command line; returns the exit code (0 ok, 2 cannot run). */
export async function runWebhooksCli(argv: readonly string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  if (argv[0] !== 'status') {
    print(USAGE);
    return 2;
  }
  const settings = loadSettings(env);
  const opened = await openExistingStore(settings, print);
  if (!opened) return 2;
  const { db, store } = opened;
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rm_webhooks'").get();
    const subscriptions = hasTable ? new WebhookQueries(db).all() : [];
    if (subscriptions.length === 0) {
      print('No webhook subscriptions.');
      return 0;
    }
    const deliveries = new DeliveryStore(db);
    for (const s of subscriptions) {
      const counts = deliveries.counts(s.id);
      const [last] = await store.readStream(leaseStream(s.id), { direction: 'backwards', maxCount: 1 });
      const lease = leaseStateOf(last);
      const cursor = (lease.cursor && parsePosition(lease.cursor.scanned)) || (deliveries.cursor(s.id) ?? s.start);
      const lag = await subscriptionLag(store, deliveries, s, lease);
      const leaseText = lease.owner ? `${lease.owner} (until ${new Date(lease.expiresAt).toISOString()})` : 'none';
      const reason = s.disabledReason ? ` reason="${s.disabledReason}"` : '';
      print(
        `${s.id} company=${s.companyId} status=${s.status}${reason} pending=${counts.pending} delivered=${counts.delivered} failed=${counts.failed} ` +
          `lag=${lag} cursor=${formatPosition(cursor)} lease=${leaseText} url=${s.url}`,
      );
    }
    return 0;
  } finally {
    await store.close();
    if (db.open) db.close();
  }
}

if (require.main === module) {
  runWebhooksCli(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
}
