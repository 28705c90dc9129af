import { resolve } from 'node:path';

/** Every setting the service reads, typed, from the environment. README "Configuration" lists them. */
export interface Settings {
  readonly host: string;
  readonly port: number;
  readonly store: 'sqlite' | 'memory' | 'eventstoredb';
  /** The SQLite file: the event log (store=sqlite) and the read models (always). */
  readonly databaseFile: string;
  readonly eventStoreDbUrl: string;
  /**
   * Bytes one append may carry (EventStoreDB's MaxAppendSize, 1 MiB by default). Every adapter enforces it, so a
   * request refused in production is refused on SQLite too; set it to the server's value if that was changed.
   */
  readonly maxAppendBytes: number;
  readonly clientsFile: string;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  /** How long a write waits for the read models to show it before answering. */
  readonly readYourWritesTimeoutMs: number;
  /** HMAC key for staff bearer tokens; empty = a random key kept in `<data dir>/token-secret`. */
  readonly tokenSecret: string;
  readonly tokenSecretFile: string;
  readonly tokenTtlSeconds: number;
  /** LiveKit credentials: sign video room tokens and verify LiveKit webhooks. Defaults are for development only. */
  readonly livekitApiKey: string;
  readonly livekitApiSecret: string;
  /** LiveKit server URL; empty = no server (tokens are still issued, participants come from webhooks only). */
  readonly livekitUrl: string;
  readonly videoTokenTtlSeconds: number;
  /** HMAC key of the audit anchors; empty = a random key kept in `<data dir>/audit-key` (see README "Audit"). */
  readonly auditKey: string;
  readonly auditKeyFile: string;
  /** How often new events are anchored; 0 = only on demand (`npm run audit:anchor`, tests). */
  readonly auditAnchorIntervalMs: number;
  /** Fastify `trustProxy`: which proxies may name the client address (x-forwarded-for) recorded in events. */
  readonly trustProxy: boolean | number | string;
  /** Optional JSON file with the staff desk's general config per company (see GeneralConfigs). */
  readonly generalConfigFile: string;
  /** Requests per minute per caller (application, staff client, else address); 0 = no limit. */
  readonly rateLimitPerMinute: number;
  /** History entries one ticket may hold (comments, edits' diff entries...). */
  readonly maxHistoryPerTicket: number;
  /** First wait before a failed projection batch is tried again; doubles up to 30 s. */
  readonly projectionRetryMs: number;
  /** /health/ready answers 503 while a projection is more events than this behind the log, or halted. */
  readonly readyMaxLagEvents: number;
}

export const SETTINGS = Symbol('SETTINGS');

const STORES = ['sqlite', 'memory', 'eventstoredb'] as const;

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const dataDir = resolve(env.LEAD_DATA_DIR ?? './data');
  const store = (env.LEAD_STORE ?? 'sqlite') as Settings['store'];
  if (!STORES.includes(store)) throw new Error(`LEAD_STORE must be one of ${STORES.join(', ')}; got "${store}"`);
  return {
    host: env.HOST ?? '127.0.0.1',
    port: integer(env, 'PORT', 3000),
    store,
    databaseFile: env.LEAD_DATABASE_FILE ? resolve(env.LEAD_DATABASE_FILE) : resolve(dataDir, 'lead.db'),
    eventStoreDbUrl: env.LEAD_EVENTSTOREDB_URL ?? 'esdb://127.0.0.1:2113?tls=false',
    maxAppendBytes: integer(env, 'LEAD_MAX_APPEND_BYTES', 1_048_576),
    clientsFile: env.LEAD_CLIENTS_FILE ? resolve(env.LEAD_CLIENTS_FILE) : resolve(dataDir, 'clients.json'),
    bodyLimitBytes: integer(env, 'LEAD_BODY_LIMIT_BYTES', 1024 * 1024),
    logLevel: env.LOG_LEVEL ?? 'info',
    readYourWritesTimeoutMs: integer(env, 'LEAD_READ_YOUR_WRITES_TIMEOUT_MS', 10_000),
    tokenSecret: env.LEAD_TOKEN_SECRET ?? '',
    tokenSecretFile: resolve(dataDir, 'token-secret'),
    tokenTtlSeconds: integer(env, 'LEAD_TOKEN_TTL_SECONDS', 3600),
    // `livekit-server --dev` uses this key pair: development only, set real ones in production.
    livekitApiKey: env.LIVEKIT_API_KEY || 'devkey',
    livekitApiSecret: env.LIVEKIT_API_SECRET || 'secret',
    livekitUrl: env.LIVEKIT_URL ?? '',
    videoTokenTtlSeconds: integer(env, 'LEAD_VIDEO_TOKEN_TTL_SECONDS', 600),
    auditKey: env.LEAD_AUDIT_KEY ?? '',
    auditKeyFile: resolve(dataDir, 'audit-key'),
    auditAnchorIntervalMs: integer(env, 'LEAD_AUDIT_ANCHOR_INTERVAL_MS', 5000),
    trustProxy: trustProxy(env.LEAD_TRUST_PROXY),
    generalConfigFile: env.LEAD_GENERAL_CONFIG_FILE ? resolve(env.LEAD_GENERAL_CONFIG_FILE) : resolve(dataDir, 'general-config.json'),
    rateLimitPerMinute: integer(env, 'LEAD_RATE_LIMIT_PER_MINUTE', 3000),
    maxHistoryPerTicket: integer(env, 'LEAD_MAX_HISTORY_PER_TICKET', 10_000),
    projectionRetryMs: integer(env, 'LEAD_PROJECTION_RETRY_MS', 1000),
    readyMaxLagEvents: integer(env, 'LEAD_READY_MAX_LAG_EVENTS', 1000),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer; got "${raw}"`);
  return value;
}

/** `true`/`false`, a hop count, or a comma-separated list of proxy addresses/CIDRs, as Fastify takes it. */
function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}
