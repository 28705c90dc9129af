import 'reflect-metadata';
import { SingleBar } from 'cli-progress';
import { loadSettings } from '../config/settings';
import { openExistingStore } from '../event-store/event-store.module';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { EventStore } from '../event-store/event-store.port';
import { retryParked, skipHaltingEvent } from './operator-actions';
import { Projection } from './projection';
import { aheadOfLogMessage, checkpointsAheadOfLog } from './checkpoint-guard';
import { CheckpointStore } from './checkpoint-store';
import { printReport, projectionReport } from './projection-report';
import { RebuildOutcome, Rebuilder } from './rebuilder';

const USAGE = `Usage: npm run -s projections -- <command>   (or: node dist/projections.cli.js <command>)
  status [--json]          every projection: version, generation, position, lag, halted error, parked events, rebuilds
  replay <name>            rebuild one projection from the start beside the live one, switch it in when caught up
  rebuild-all              the same for every projection, in one read of the log
  retry <name> [event-id]  apply parked events again (all, or one); unparked when they apply
  skip <name>              park the event a halted projection (or its rebuild) is stuck on, so that it goes on
Ctrl-C stops a rebuild after the current batch; running the command again continues it. Safe while the service
runs on the same database. Settings come from the environment as for the service (LEAD_DATA_DIR, LEAD_DATABASE_FILE, LEAD_STORE).`;

export type Print = (line: string) => void;

/** What the composition root registers (src/app.projections.ts): projection classes the CLI builds with `new`. */
export type ProjectionTypes = readonly (new () => Projection)[];

/**
 * Each projection built afresh for this process (the service's instances are bound to the live tables). One
 * that takes constructor arguments cannot be built without Nest: it is left out, and said so.
 */
export function newProjections(types: ProjectionTypes, warn: Print = () => undefined): Projection[] {
  return types.flatMap((Type) => {
    if (Type.length === 0) return [new Type()];
    warn(`${Type.name} takes constructor arguments: the projections CLI builds projections with \`new\` and leaves it out.`);
    return [];
  });
}

/** The projections command line; returns the exit code (0 done, 1 not done, 2 cannot run). */
export async function runProjectionsCli(
  types: ProjectionTypes,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  print: Print,
  options: { signal?: AbortSignal; progress?: boolean } = {},
): Promise<number> {
  const [command, name, extra] = argv;
  const projections = newProjections(types, print);
  const named = projections.filter((p) => p.name === name);
  const needsName = ['replay', 'retry', 'skip'].includes(command ?? '');
  if (!command || !['status', 'replay', 'rebuild-all', 'retry', 'skip'].includes(command) || (needsName && named.length !== 1)) {
    print(USAGE);
    if (needsName) print(`\nProjections: ${projections.map((p) => p.name).join(', ')}`);
    return 2;
  }
  const settings = loadSettings(env);
  if (settings.store === 'memory') {
    print('The memory store keeps no log between processes: set LEAD_STORE to sqlite or eventstoredb.');
    return 2;
  }
  const opened = await openExistingStore(settings, print);
  if (!opened) return 2;
  const { db, store } = opened;
  try {
    if (command === 'status') {
      const reports = await projectionReport(store, db, projections);
      if (argv.includes('--json')) print(JSON.stringify(reports, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2));
      else printReport(reports, print);
      const ahead = await checkpointsAheadOfLog(store, new CheckpointStore(db));
      if (ahead.length && !argv.includes('--json'))
        print('\n' + aheadOfLogMessage(ahead).replace('Refusing to start', 'The service will not start'));
      return ahead.length ? 1 : 0;
    }
    if (command === 'retry') {
      const { applied, failed } = await retryParked(store, db, named[0], extra);
      print(`${name}: ${applied.length} parked event(s) applied and unparked, ${failed.length} still failing`);
      for (const f of failed) print(`  ${f.eventId}: ${f.error}`);
      return failed.length ? 1 : 0;
    }
    if (command === 'skip') {
      const skipped = await skipHaltingEvent(store, db, named[0]);
      print(skipped ? `${name}: parked ${skipped}; the service goes past it at its next attempt` : `${name} is not halted`);
      return skipped ? 0 : 1;
    }
    // A rebuild's batches need not each reach the disk: a lost batch takes its position with it and is
    // read again. The switch is made durable by the service's next FULL commit at the latest.
    db.pragma('synchronous = NORMAL');
    const outcomes = await rebuild(store, db, command === 'replay' ? named : projections, print, options);
    return outcomes.every((o) => o.result === 'switched') ? 0 : 1;
  } finally {
    await store.close();
    db.close();
  }
}

async function rebuild(
  store: EventStore,
  db: SqliteDatabase,
  projections: Projection[],
  print: Print,
  options: { signal?: AbortSignal; progress?: boolean },
): Promise<RebuildOutcome[]> {
  const started = Date.now();
  const bar = new SingleBar({
    format: `${projections.map((p) => p.name).join(', ')} [{bar}] {percentage}% | {value}/{total} events | {speed} events/s | ETA {eta_formatted}`,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    etaBuffer: 50,
  });
  let shown = false;
  const outcomes = await new Rebuilder(store, db, projections).run({
    signal: options.signal,
    onProgress: ({ done, total }) => {
      if (options.progress === false || total === 0) return;
      const speed = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      if (!shown) bar.start(total, done, { speed });
      shown = true;
      bar.setTotal(total);
      bar.update(done, { speed });
    },
  });
  if (shown) bar.stop();
  const seconds = (Date.now() - started) / 1000;
  for (const o of outcomes) {
    if (o.result === 'switched')
      print(`${o.name}: generation ${o.generation} is live at position ${o.position?.commit ?? '-'} (${seconds.toFixed(1)} s)`);
    if (o.result === 'busy') print(`${o.name}: being rebuilt by ${o.owner}; see \`npm run projections -- status\``);
    if (o.result === 'halted') print(`${o.name}: rebuild halted on ${o.error}; fix it and run the command again to continue`);
    if (o.result === 'interrupted') print(`${o.name}: interrupted; generation ${o.generation} is kept, run the command again to continue`);
  }
  return outcomes;
}

/** The process entry (src/projections.cli.ts): Ctrl-C stops a rebuild after its batch, a second one at once. */
export function projectionsCliMain(types: ProjectionTypes): void {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit at once)…\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  runProjectionsCli(types, process.argv.slice(2), process.env, (line) => console.log(line), { signal: controller.signal })
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(2);
    });
}
