/**
 * Event-store throughput, side by side in one run: our SQLite adapter, raw better-sqlite3 with the same
 * durability (WAL, synchronous=FULL: the ceiling), and emmett-sqlite doing the same work (the peer).
 * Run: npm run bench:store   (BENCH_N scales the counts)
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../src/platform/event-store/sqlite.event-store';
import { openSqlite } from '../src/platform/sqlite/sqlite-database';
import { envInt, printTable, ratio, tempDir, timed } from './lib';
import { Decider, handleCommand } from '../src/platform/command/command-handler';
import { KeyedLock } from '../src/platform/command/keyed-lock';
import { ChainKey } from '../src/platform/event-store/hash-chain';
import { SqliteKeyStore } from '../src/platform/privacy/key-store';
import { protectPersonalData } from '../src/platform/privacy/protected-event-store';
import { ticketPersonalData } from '../src/modules/tickets/ticket.privacy';

const N = envInt('BENCH_N', 2000);
const BATCH = 100;
const CONCURRENCY = 64;
const payload = (i: number) => ({ ticket: `t-${i}`, text: 'Where is my order? It has been a week since I paid.', media: [], n: i });

type Row = { op: string; ours: number; raw: number; emmett: number };

async function ours(): Promise<Record<string, number>> {
  const tmp = tempDir('bench-ours-');
  const db = openSqlite(tmp.file('ours.db'));
  const store = new SqliteEventStore(db);
  const ev = (i: number) => ({ id: randomUUID(), type: 'HistoryAppended', data: payload(i), metadata: { correlationId: 'c' } });
  const r: Record<string, number> = {};
  r.single =
    N /
    (await timed(async () => {
      for (let i = 0; i < N; i++) await store.append(`single-${i % 100}`, [ev(i)], { expectedRevision: 'any' });
    }));
  r.concurrent =
    N /
    (await timed(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, w) => {
          while (next < N) {
            const i = next++;
            await store.append(`conc-${w}`, [ev(i)], { expectedRevision: 'any' });
          }
        }),
      );
    }));
  r.batched =
    (N * 10) /
    (await timed(async () => {
      for (let b = 0; b < (N * 10) / BATCH; b++)
        await store.append(
          `batch-${b}`,
          Array.from({ length: BATCH }, (_, i) => ev(i)),
          { expectedRevision: 'no_stream' },
        );
    }));
  r.readStream = await timed(async () => {
    for (let b = 0; b < 200; b++) await store.readStream(`batch-${b}`);
  });
  r.readStream = (200 * BATCH) / r.readStream;
  let total = 0;
  r.replay = await timed(async () => {
    let from;
    for (;;) {
      const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
      if (!page.length) break;
      total += page.length;
      from = page[page.length - 1].position;
    }
  });
  r.replay = total / r.replay;
  db.close();
  tmp.remove();
  return r;
}

async function raw(): Promise<Record<string, number>> {
  const tmp = tempDir('bench-raw-');
  const db = new Database(tmp.file('raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE events (pos INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT, rev INTEGER, id TEXT, type TEXT, data TEXT, meta TEXT, created TEXT, UNIQUE(stream, rev))',
  );
  const insert = db.prepare('INSERT INTO events (stream, rev, id, type, data, meta, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const row = (s: string, rev: number, i: number) =>
    insert.run(s, rev, randomUUID(), 'HistoryAppended', JSON.stringify(payload(i)), '{"correlationId":"c"}', new Date().toISOString());
  const r: Record<string, number> = {};
  const revs = new Map<string, number>();
  const nextRev = (s: string) => {
    const v = (revs.get(s) ?? -1) + 1;
    revs.set(s, v);
    return v;
  };
  // One transaction (one fsync) per event: what a single append must cost with this durability.
  r.single =
    N /
    (await timed(() => {
      for (let i = 0; i < N; i++) {
        const s = `single-${i % 100}`;
        row(s, nextRev(s), i);
      }
    }));
  r.concurrent = NaN; // one process, one synchronous connection: raw SQLite has no concurrent appenders to compare
  const tx = db.transaction((b: number) => {
    for (let i = 0; i < BATCH; i++) row(`batch-${b}`, i, i);
  });
  r.batched =
    (N * 10) /
    (await timed(() => {
      for (let b = 0; b < (N * 10) / BATCH; b++) tx(b);
    }));
  const read = db.prepare('SELECT * FROM events WHERE stream = ? ORDER BY rev');
  r.readStream =
    (200 * BATCH) /
    (await timed(() => {
      for (let b = 0; b < 200; b++) read.all(`batch-${b}`).forEach((e: any) => JSON.parse(e.data));
    }));
  const page = db.prepare('SELECT * FROM events WHERE pos > ? ORDER BY pos LIMIT 1000');
  let total = 0;
  r.replay = await timed(() => {
    let from = 0;
    for (;;) {
      const rows = page.all(from) as any[];
      if (!rows.length) break;
      rows.forEach((e) => JSON.parse(e.data));
      total += rows.length;
      from = rows[rows.length - 1].pos;
    }
  });
  r.replay = total / r.replay;
  db.close();
  tmp.remove();
  return r;
}

async function emmett(): Promise<Record<string, number>> {
  // Loaded lazily: it lives in bench/node_modules only (npm run bench:install).
  const { getSQLiteEventStore, sqliteConnection, readMessagesBatch } = require('@event-driven-io/emmett-sqlite');
  const tmp = tempDir('bench-emmett-');
  const fileName = tmp.file('emmett.db');
  // After a failed phase emmett's store may be closed: the next phase gets a fresh store object.
  let store = getSQLiteEventStore({ fileName, schema: { autoMigration: 'CreateOrUpdate' } });
  const ev = (i: number) => ({ type: 'HistoryAppended', data: payload(i), metadata: { correlationId: 'c' } });
  const r: Record<string, number> = {};
  // Each phase on its own: a phase the peer cannot do is reported, not allowed to hide the others.
  const phase = async (name: string, count: number, work: () => Promise<void>) => {
    try {
      r[name] = count / (await timed(work));
    } catch (error) {
      r[name] = NaN;
      console.warn(`emmett-sqlite ${name}: ${(error as Error).message}`);
      store = getSQLiteEventStore({ fileName, schema: { autoMigration: 'CreateOrUpdate' } });
    }
  };
  await store.appendToStream('warmup', [ev(0)]);
  await phase('single', N, async () => {
    for (let i = 0; i < N; i++) await store.appendToStream(`single-${i % 100}`, [ev(i)]);
  });
  await phase('concurrent', N, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        while (next < N) {
          const i = next++;
          await store.appendToStream(`conc-${w}`, [ev(i)]);
        }
      }),
    );
  });
  await phase('batched', N * 10, async () => {
    for (let b = 0; b < (N * 10) / BATCH; b++)
      await store.appendToStream(
        `batch-${b}`,
        Array.from({ length: BATCH }, (_, i) => ev(i)),
      );
  });
  await phase('readStream', 200 * BATCH, async () => {
    for (let b = 0; b < 200; b++) await store.readStream(`batch-${b}`);
  });
  const connection = sqliteConnection({ fileName });
  let total = 0;
  const seconds = await timed(async () => {
    let after = 0n;
    for (;;) {
      const { messages } = await readMessagesBatch(connection, { after, batchSize: 1000 });
      if (!messages.length) break;
      total += messages.length;
      after = messages[messages.length - 1].metadata.globalPosition;
    }
  });
  r.replay = total / seconds;
  connection.close();
  tmp.remove();
  return r;
}

/**
 * The command path of a ticket create (read the stream, decide, seal the personal fields, chain, append), with
 * personal-data encryption on and off (LEAD_PERSONAL_DATA_ENCRYPTION), then the created streams read back through
 * the decrypting layer. Same store, same events; the key store is its own SQLite file as in the service.
 */
async function personalData(encrypt: boolean): Promise<Record<string, number>> {
  const tmp = tempDir('bench-pd-');
  const db = openSqlite(tmp.file('lead.db'));
  const keys = new SqliteKeyStore(tmp.file('keys.db'));
  const store = protectPersonalData(new SqliteEventStore(db), { keys, declarations: [ticketPersonalData], encrypt });
  const chain = new ChainKey(Buffer.alloc(48, 7));
  const lock = new KeyedLock();
  const decider: Decider<{ i: number }, number, { type: string; data: Record<string, unknown> }> = {
    initialState: 0,
    evolve: (n) => n + 1,
    decide: ({ i }) => [
      {
        type: 'TicketCreated',
        data: {
          id: `t${i}`,
          company_id: '1',
          application_id: 'app',
          source: 'sales_channel',
          content: { title: 'Where is my order?', description: 'It has been a week since I paid for order FY-123.', attachments: [] },
          category: { key: 'order-issue', display: 'Order issue' },
          status: 'pending',
          priority: 'high',
          created_by: { id: `user-${i % 50}` },
          created_on: { user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', platform: 'web' },
          tags: [],
          created_at: '2026-11-30T00:00:00.000Z',
        },
      },
    ],
  };
  const create = (stream: string, i: number) =>
    handleCommand(
      store,
      lock,
      chain,
      stream,
      decider,
      { i },
      {
        commandId: randomUUID(),
        metadata: {
          occurredAt: '2026-11-30T00:00:00.000Z',
          actor: { type: 'storefront_user', id: `user-${i % 50}` },
          tenant: { companyId: '1', applicationId: 'app' },
          source: { user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', platform: 'web', ip: '203.0.113.7' },
        },
      },
    );
  const r: Record<string, number> = {};
  r.single =
    N /
    (await timed(async () => {
      for (let i = 0; i < N; i++) await create(`ticket-s${i}`, i);
    }));
  r.concurrent =
    N /
    (await timed(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < N) {
            const i = next++;
            await create(`ticket-c${i}`, i);
          }
        }),
      );
    }));
  r.read =
    N /
    (await timed(async () => {
      for (let i = 0; i < N; i++) await store.readStream(`ticket-s${i}`);
    }));
  keys.close();
  db.close();
  tmp.remove();
  return r;
}

async function main() {
  console.log(
    `event-store bench: N=${N} single appends, ${N * 10} batched (${BATCH}/append), ${CONCURRENCY} concurrent appenders; node ${process.version}`,
  );
  // BENCH_ONLY=personal: only the personal-data table (e.g. under node --cpu-prof, so the profile is that path's)
  const onlyPersonal = process.env.BENCH_ONLY === 'personal';
  if (!onlyPersonal) await storeTables();
  await personalDataTable();
}

async function storeTables() {
  const o = await ours();
  const r = await raw();
  let e: Record<string, number> = {};
  try {
    e = await emmett();
  } catch (error) {
    console.warn(`emmett-sqlite not run: ${(error as Error).message} (run npm run bench:install)`);
  }
  const labels: Record<string, string> = {
    single: 'single appends (events/s)',
    concurrent: `${CONCURRENCY} concurrent appenders (events/s)`,
    batched: `batched appends, ${BATCH}/append (events/s)`,
    readStream: 'stream reads (events/s)',
    replay: 'global-log replay (events/s)',
  };
  const rows: Row[] = Object.keys(labels).map((k) => ({ op: labels[k], ours: o[k], raw: r[k], emmett: e[k] ?? NaN }));
  printTable(
    'Event store (SQLite, WAL, synchronous=FULL)',
    ['operation', 'ours', 'raw better-sqlite3', 'emmett-sqlite', 'ours / raw', 'ours / emmett'],
    rows.map((x) => [x.op, x.ours, x.raw, x.emmett, ratio(x.ours, x.raw), ratio(x.ours, x.emmett)]),
  );
}

async function personalDataTable() {
  // Off, on, off, on: alternated so that a change in the machine's load hits both alike; the better of each kept.
  const runs = [await personalData(false), await personalData(true), await personalData(false), await personalData(true)];
  const best = (encrypt: boolean, k: string) => Math.max(...runs.filter((_, i) => (i % 2 === 1) === encrypt).map((x) => x[k]));
  const pd: Record<string, string> = {
    single: 'ticket creates, one at a time (creates/s)',
    concurrent: `ticket creates, ${CONCURRENCY} concurrent (creates/s)`,
    read: 'created streams read back (streams/s)',
  };
  printTable(
    'Personal-data encryption on the command path (handleCommand: read, decide, seal, chain, append)',
    ['operation', 'encryption on', 'encryption off', 'on / off'],
    Object.keys(pd).map((k) => [pd[k], best(true, k), best(false, k), ratio(best(true, k), best(false, k))]),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
