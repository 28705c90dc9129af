/**
 * Projection rebuild: a log of BENCH_EVENTS ticket events (default 1,000,000: tickets with 9 history entries
 * each) is written straight into the SQLite store, then every projection is rebuilt from the start by the
 * real ProjectionRunner. Prints events/s and resident memory as the rebuild advances (flat = no growth with
 * history size). Run: npm run bench:rebuild
 */
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../src/event-store/sqlite.event-store';
import { TicketProjection } from '../src/lead/tickets/ticket.projection';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { openSqlite } from '../src/sqlite/sqlite-database';
import { envInt, printTable, tempDir, timed } from './lib';

const EVENTS = envInt('BENCH_EVENTS', 1_000_000);
const PER_TICKET = 10;

function seed(file: string): bigint {
  const db = openSqlite(file);
  new SqliteEventStore(db); // creates the schema
  const insert = db.prepare('INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const stream = db.prepare('INSERT INTO es_streams (stream_id, revision) VALUES (?, ?)');
  const now = new Date().toISOString();
  const meta = JSON.stringify({ correlationId: 'bench', actor: { type: 'storefront_user', id: 'u1' }, tenant: { companyId: '1', applicationId: 'app' } });
  const tickets = EVENTS / PER_TICKET;
  const write = db.transaction((from: number, to: number) => {
    for (let t = from; t < to; t++) {
      const id = t.toString(16).padStart(24, '0');
      const name = `ticket-${id}`;
      insert.run(name, 0, randomUUID(), 'TicketCreated', JSON.stringify({
        id, company_id: String(1 + (t % 5)), application_id: 'app', source: 'sales_channel',
        content: { title: `Order ${t} is late`, description: 'Where is my order? It has been a week.', attachments: [] },
        category: { key: 'order', display: 'Order' }, status: 'pending', priority: 'medium', created_by: { id: `u${t % 1000}` },
        created_on: { user_agent: 'bench', platform: 'web' }, tags: [], created_at: now,
      }), meta, now);
      for (let h = 1; h < PER_TICKET; h++) {
        insert.run(name, h, randomUUID(), 'HistoryAppended', JSON.stringify({
          id: `${id.slice(0, 20)}${h.toString(16).padStart(4, '0')}`, ticket: id, type: 'comment', value: { text: `reply ${h}`, media: [] },
          created_by: { id: 'staff' }, created_on: { user_agent: 'bench' }, created_at: now,
        }), meta, now);
      }
      stream.run(name, PER_TICKET - 1);
    }
  });
  for (let t = 0; t < tickets; t += 10_000) write(t, Math.min(tickets, t + 10_000));
  const last = (db.prepare('SELECT max(global_position) AS p FROM es_events').safeIntegers().get() as { p: bigint }).p;
  db.close();
  return last;
}

async function main() {
  const tmp = tempDir('bench-rebuild-');
  const file = tmp.file('lead.db');
  console.log(`rebuild bench: seeding ${EVENTS.toLocaleString('en-US')} events…`);
  const seedSeconds = await timed(() => void seed(file));
  console.log(`seeded in ${seedSeconds.toFixed(1)} s`);
  const db = openSqlite(file);
  const store = new SqliteEventStore(db);
  const runner = new ProjectionRunner(store, db, [new TicketProjection()]);
  const last = (db.prepare('SELECT max(global_position) AS p FROM es_events').safeIntegers().get() as { p: bigint }).p;
  const samples: (string | number)[][] = [];
  const rss = () => process.memoryUsage().rss / 1024 / 1024;
  const rssBefore = rss();
  const seconds = await timed(async () => {
    runner.start();
    for (const fraction of [0.25, 0.5, 0.75, 1]) {
      const target = BigInt(Math.floor(Number(last) * fraction));
      await runner.waitFor({ commit: target, prepare: target }, 3_600_000);
      samples.push([`${fraction * 100}%`, Number(target), rss()]);
    }
  });
  await runner.beforeApplicationShutdown();
  const tickets = (db.prepare('SELECT count(*) AS n FROM rm_tickets').get() as { n: number }).n;
  db.close();
  tmp.remove();
  printTable('Projection rebuild (tickets + history read models, SQLite)', ['progress', 'events applied', 'RSS (MiB)'], samples);
  printTable('Rebuild summary', ['events', 'seconds', 'events/s', 'tickets', 'RSS before (MiB)', 'RSS after (MiB)'], [
    [EVENTS, seconds, EVENTS / seconds, tickets, rssBefore, rss()],
  ]);
}

main().catch((error) => { console.error(error); process.exit(1); });
