/**
 * The write path without HTTP: BENCH_COMMANDS ticket creates, each followed by a comment, through the ticket
 * command handler (lock, fold, decide, number, hash chain, group-committed append, read models, read-your-writes)
 * on the embedded store with every projection of the service, BENCH_CONCURRENCY (64) at a time. Prints
 * commands/s by wall clock and CPU microseconds per command: the CPU figure is the steady one on a shared
 * machine, where wall-clock throughput moves with everyone else's load. BENCH_INLINE=false runs the same with
 * the read models fed after the commit (LEAD_INLINE_PROJECTIONS=false), for a side-by-side on one tree.
 * Run: npm run bench:write   (a CPU profile: node --cpu-prof -r ts-node/register/transpile-only bench/write-path.bench.ts)
 */
import { Logger } from '@nestjs/common';
import { PROJECTION_TYPES } from '../src/app.projections';
import { TicketCommandHandler } from '../src/modules/tickets/commands/ticket-command-handler';
import { KeyedLock } from '../src/platform/command/keyed-lock';
import { Settings } from '../src/platform/config/settings';
import { SqliteEventStore } from '../src/platform/event-store/sqlite.event-store';
import { newProjections } from '../src/platform/projections/cli';
import { ProjectionRunner } from '../src/platform/projections/projection-runner';
import { ReadYourWrites } from '../src/platform/projections/read-your-writes';
import { openSqlite } from '../src/platform/sqlite/sqlite-database';
import { testChainKey } from '../test/support/recorded-events';
import { envInt, printTable, tempDir } from './lib';

const COMMANDS = envInt('BENCH_COMMANDS', 4000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 64);
const INLINE = process.env.BENCH_INLINE !== 'false';
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function main() {
  Logger.overrideLogger(['error']);
  const tmp = tempDir('bench-write-');
  const db = openSqlite(tmp.file('lead.db'));
  const store = new SqliteEventStore(db);
  const settings = {
    readYourWritesTimeoutMs: 30_000,
    maxHistoryPerTicket: 1000,
    projectionRetryMs: 1000,
    inlineProjections: INLINE,
  } as Settings;
  const runner = new ProjectionRunner(store, db, newProjections(PROJECTION_TYPES), settings);
  runner.start();
  const tickets = new TicketCommandHandler(store, new KeyedLock(), testChainKey, new ReadYourWrites(runner, settings));
  let n = 0;
  const context = () => ({ commandId: `bench-${++n}`, metadata: {} });
  const now = () => new Date().toISOString();
  const one = async (i: number) => {
    const id = `t${String(i).padStart(23, '0')}`;
    const ticket = {
      id,
      company_id: '1',
      application_id: 'app',
      source: 'sales_channel' as const,
      title: 'Where is my order?',
      description: 'It has been a week',
      category: 'order-issue',
      priority: 'high' as const,
      created_by: { id: 'u1' },
      created_on: { user_agent: 'bench' },
      created_at: now(),
    };
    await tickets.handle(id, { kind: 'CreateTicket', ticket }, context());
    const entry = {
      kind: 'AppendHistory' as const,
      historyId: `h${String(i).padStart(23, '0')}`,
      type: 'comment' as const,
      value: { text: 'hi' },
    };
    await tickets.handle(
      id,
      { ...entry, createdBy: { id: 'u1' }, createdOn: { user_agent: 'bench' }, now: now(), maxHistory: 1000 },
      context(),
    );
  };
  // Warm-up, then the measured run.
  for (let i = 0; i < 200; i++) await one(1_000_000 + i);
  let next = 0;
  const cpuBefore = cpu();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < COMMANDS) await one(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuMicros = cpu() - cpuBefore;
  const commands = COMMANDS * 2;
  printTable(
    `Write path: ${COMMANDS} creates + ${COMMANDS} comments, ${CONCURRENCY} at a time (embedded store, every projection, inline ${INLINE ? 'on' : 'off'})`,
    ['commands', 'seconds', 'commands/s', 'CPU µs/command'],
    [[commands, seconds, commands / seconds, cpuMicros / commands]],
  );
  await runner.beforeApplicationShutdown();
  db.close();
  tmp.remove();
}

void main();
