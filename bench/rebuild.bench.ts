/**
 * Projection rebuild: a log of BENCH_EVENTS ticket events (default 1,000,000: tickets with 9 history entries
 * each) is written straight into the SQLite store, then
 *   1. the service's ProjectionRunner builds every projection from the start (first start on an existing log),
 *   2. the projections CLI's Rebuilder replays them all beside the live models and switches them in
 *      (`npm run projections -- rebuild-all`), with the CLI's synchronous=NORMAL.
 * Prints events/s by wall clock and by CPU time (the latter is steadier on a shared machine), and resident
 * memory as the first build advances (flat = no growth with history size). Run: npm run bench:rebuild
 */
import { PROJECTION_TYPES } from '../src/app.projections';
import { SqliteEventStore } from '../src/platform/event-store/sqlite.event-store';
import { ProjectionRunner } from '../src/platform/projections/projection-runner';
import { newProjections } from '../src/platform/projections/cli';
import { Rebuilder } from '../src/platform/projections/rebuilder';
import { openSqlite } from '../src/platform/sqlite/sqlite-database';
import { seedTicketLog } from '../test/support/ticket-log';
import { envInt, printTable, tempDir, timed } from './lib';

const EVENTS = envInt('BENCH_EVENTS', 1_000_000);
const PER_TICKET = 10;
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main() {
  const tmp = tempDir('bench-rebuild-');
  const file = tmp.file('lead.db');
  console.log(`rebuild bench: seeding ${EVENTS.toLocaleString('en-US')} events…`);
  let last = 0n;
  const seedSeconds = await timed(() => void (last = seedTicketLog(file, { tickets: EVENTS / PER_TICKET, perTicket: PER_TICKET }).last));
  console.log(`seeded in ${seedSeconds.toFixed(1)} s`);
  const db = openSqlite(file);
  const store = new SqliteEventStore(db);
  const samples: (string | number)[][] = [];
  const rss = () => process.memoryUsage().rss / 1024 / 1024;
  const rssBefore = rss();
  const runner = new ProjectionRunner(store, db, newProjections(PROJECTION_TYPES));
  let cpu = cpuSeconds();
  const first = await timed(async () => {
    runner.start();
    for (const fraction of [0.25, 0.5, 0.75, 1]) {
      const target = BigInt(Math.floor(Number(last) * fraction));
      await runner.waitFor({ commit: target, prepare: target }, 3_600_000);
      samples.push([`${fraction * 100}%`, Number(target), rss()]);
    }
  });
  const firstCpu = cpuSeconds() - cpu;
  await runner.beforeApplicationShutdown();
  db.pragma('synchronous = NORMAL'); // as the CLI does
  cpu = cpuSeconds();
  const replay = await timed(async () => void (await new Rebuilder(store, db, newProjections(PROJECTION_TYPES)).run()));
  const replayCpu = cpuSeconds() - cpu;
  const tickets = (db.prepare('SELECT count(*) AS n FROM rm_tickets').get() as { n: number }).n;
  db.close();
  tmp.remove();
  printTable(
    'First build by the service (tickets + video rooms read models, SQLite)',
    ['progress', 'events applied', 'RSS (MiB)'],
    samples,
  );
  printTable(
    'Rebuild summary (events/s counts log events; every projection applies each one)',
    ['run', 'events', 'seconds', 'events/s', 'CPU s', 'events/CPU s'],
    [
      ['service: first build', EVENTS, first, EVENTS / first, firstCpu, EVENTS / firstCpu],
      ['CLI: rebuild-all (blue/green)', EVENTS, replay, EVENTS / replay, replayCpu, EVENTS / replayCpu],
    ],
  );
  console.log(`\n${tickets} tickets; RSS ${rssBefore.toFixed(0)} -> ${rss().toFixed(0)} MiB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
