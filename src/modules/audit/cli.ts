import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Settings, loadSettings } from '../../platform/config/settings';
import { openExistingStore } from '../../platform/event-store/event-store.module';
import { AnchorLedger } from './anchor-ledger';
import { anchorPending } from './audit-anchorer';
import { loadAuditKey } from '../../platform/event-store/audit-key';
import { NoAuditKeyError } from '../../platform/event-store/hash-chain';
import { sqliteLogFacts } from './sqlite-log-checks';
import { ExportedAnchor, StoreReport, exportAnchor, verifyStore } from './store-verifier';

const USAGE = `Usage: npm run -s audit:<command> [-- options]   (or: node dist/modules/audit/cli.js <command>)
  verify [--anchor FILE]... [--json]   verify every stream, the anchors and (SQLite) the log's own tables;
                                       FILE holds anchors exported earlier. Exit 1 when anything is broken.
  anchor                               anchor the events not yet anchored (the service does this on its own)
  export-anchor                        print the newest anchor as JSON, to keep outside the service
Settings come from the environment as for the service: LEAD_DATA_DIR, LEAD_DATABASE_FILE, LEAD_STORE, LEAD_AUDIT_KEY.`;

export type Print = (line: string) => void;

/** The audit command line; returns the exit code (0 sound, 1 broken, 2 cannot run). */
export async function runAuditCli(argv: readonly string[], env: NodeJS.ProcessEnv, print: Print): Promise<number> {
  const [command, ...args] = argv;
  if (!command || !['verify', 'anchor', 'export-anchor'].includes(command)) {
    print(USAGE);
    return 2;
  }
  const settings = loadSettings(env);
  // A verifier must not create what it checks: no database file means a wrong path, not an empty log.
  const opened = await openExistingStore(settings, print);
  if (!opened) return 2;
  const { db, store } = opened;
  try {
    const key = loadAuditKey(settings, { create: false });
    const ledger = new AnchorLedger(db, key);
    if (!ledger.hasKey && command !== 'export-anchor' && (command === 'anchor' || ledger.count() > 0)) {
      print(
        `No audit key: set LEAD_AUDIT_KEY or provide ${settings.auditKeyFile}; anchors cannot be ${command === 'anchor' ? 'written' : 'checked'}.`,
      );
      return 2;
    }
    if (command === 'anchor') {
      const refusals: string[] = [];
      const added = await anchorPending(store, ledger, { key: key!, onRefused: (reason) => refusals.push(reason) });
      print(`anchored ${added} events; the ledger now holds ${ledger.count()}`);
      for (const reason of refusals) print(`REFUSED ${reason}`);
      return refusals.length ? 1 : 0;
    }
    if (command === 'export-anchor') {
      const head = ledger.head();
      if (!head) print('The ledger holds no anchor yet.');
      else print(JSON.stringify(exportAnchor(head)));
      return head ? 0 : 1;
    }
    const external = args.flatMap((arg, i) => (args[i - 1] === '--anchor' ? readAnchors(arg) : []));
    const report = await verifyStore(store, {
      key,
      ledger: ledger.hasKey ? ledger : undefined,
      sqlite: settings.store === 'sqlite' ? sqliteLogFacts(db) : undefined,
      externalAnchors: external,
    });
    if (args.includes('--json')) print(JSON.stringify(report, null, 2));
    else printReport(report, settings, print);
    return report.findings.length ? 1 : 0;
  } catch (error) {
    if (!(error instanceof NoAuditKeyError)) throw error;
    print(`No audit key: ${error.message}.`);
    return 2;
  } finally {
    await store.close();
    db.close();
  }
}

/** One exported anchor per file, a JSON array of them, or one per line (an auditor appending exports). */
function readAnchors(file: string): ExportedAnchor[] {
  const text = readFileSync(file, 'utf8').trim();
  try {
    const parsed = JSON.parse(text) as ExportedAnchor | ExportedAnchor[];
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as ExportedAnchor);
  }
}

function printReport(report: StoreReport, settings: Settings, print: Print): void {
  print(`Lead audit of ${settings.databaseFile} (event store: ${settings.store})`);
  print(`  ${report.events} events in ${report.streams} streams`);
  print(
    `  ${report.anchors} anchors; ${report.pendingAnchor} events not yet anchored; ${report.externalAnchors} exported anchor(s) compared`,
  );
  print(`  ${report.incomplete.length} events with incomplete audit metadata`);
  for (const i of report.incomplete.slice(0, 20)) print(`  WARN ${i.stream} revision ${i.revision}: missing ${i.missing.join(', ')}`);
  for (const f of report.findings) {
    const where = [
      f.stream,
      f.revision !== undefined ? `revision ${f.revision}` : '',
      f.eventId ? `event ${f.eventId}` : '',
      f.position ? `position ${f.position}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    print(`BROKEN [${f.check}] ${where}: ${f.reason}`);
  }
  print(report.findings.length ? `RESULT: ${report.findings.length} problem(s) found` : 'RESULT: verified, no tampering found');
}

if (require.main === module) {
  runAuditCli(process.argv.slice(2), process.env, (line) => process.stdout.write(line + '\n')).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
