import { resolve } from 'node:path';

/** Every setting the service reads, typed, from the environment. docs/configuration.md lists them. */
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
  /** How often, at most, the clients file is checked for changes (and read again when it changed); 0 = on every use. */
  readonly clientsReloadMs: number;
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
  /**
   * Believe webhooks while the key pair is the development one (`devkey`/`secret`, which anyone can sign with).
   * Off by default; refused at start when NODE_ENV=production.
   */
  readonly livekitDevWebhooks: boolean;
  readonly videoTokenTtlSeconds: number;
  /** HMAC key of every event's chain link and of the audit anchors; empty = a random key kept in `<data dir>/audit-key` (see docs/audit.md). */
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
  /** Requests per minute per storefront visitor (user, else address) inside its application's budget; 0 = none. */
  readonly rateLimitPerVisitorPerMinute: number;
  /** Parsed request bodies: deepest nesting, members of one object, elements of one array, values in all. */
  readonly jsonMaxDepth: number;
  readonly jsonMaxKeys: number;
  readonly jsonMaxItems: number;
  readonly jsonMaxValues: number;
  /** Slow clients: the header section, the whole request, silence inside a body, an idle kept-alive socket. */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Open connections the server accepts at once; more are closed at once. 0 = no cap. */
  readonly maxConnections: number;
  /** History entries one ticket may hold (comments, edits' diff entries...). */
  readonly maxHistoryPerTicket: number;
  /** First wait before a failed projection batch is tried again; doubles up to 30 s. */
  readonly projectionRetryMs: number;
  /**
   * On the embedded SQLite store, apply the `inline` read models (tickets, forms, video rooms) inside the
   * append's transaction (default); `false` feeds them after the commit like the others (docs/architecture.md).
   */
  readonly inlineProjections: boolean;
  /** /health/ready answers 503 while a projection is more events than this behind the log, or halted. */
  readonly readyMaxLagEvents: number;
  /** How a storefront caller's user is proven (docs/security.md, "The storefront trust model"). */
  readonly storefrontIdentity: StorefrontIdentitySettings;
  /** SLA (docs/sla.md): how often the processor looks for new ticket events; 0 = not at all. */
  readonly slaProcessorIntervalMs: number;
  /** SLA: how often the scheduler records passed due times as breaches. */
  readonly slaSchedulerIntervalMs: number;
  /** SLA: the status that means "waiting on the customer", which pauses the clocks of a policy that names none. */
  readonly slaWaitingOnCustomerStatus: string;
  /** Outbound webhooks (docs/webhooks.md). */
  readonly webhooks: WebhookSettings;
  /** Uploaded files (docs/configuration.md "Attachments"). */
  readonly attachments: AttachmentSettings;
  /** Personal data (docs/privacy.md): the per-subject key store's SQLite file, never the event log's. */
  readonly keyStoreFile: string;
  /** Seal personal fields on write (default); off only to measure what encryption costs (benchmarks). */
  readonly personalDataEncryption: boolean;
}

export interface AttachmentSettings {
  /** `local`: files under `dir`; `s3`: an S3-compatible bucket through the AWS SDK. */
  readonly store: 'local' | 's3';
  readonly dir: string;
  readonly s3: {
    readonly bucket: string;
    readonly region: string;
    /** Empty = AWS itself; else the endpoint of an S3-compatible store (MinIO, R2, Ceph...). */
    readonly endpoint: string;
    readonly prefix: string;
    readonly forcePathStyle: boolean;
  };
  /** Bytes one file may have, and files one upload request may carry. */
  readonly maxBytes: number;
  readonly maxFiles: number;
  /** Content types (as sniffed from the bytes) that may be uploaded. */
  readonly allowedTypes: readonly string[];
  /** A command given the file's path (nonzero exit = refused); empty = none. */
  readonly scanCommand: string;
  /** A URL the bytes are POSTed to for a verdict; empty = none. */
  readonly scanUrl: string;
  readonly scanTimeoutMs: number;
  /** Uploads no ticket references are deleted this long after their upload. */
  readonly unlinkedRetentionMs: number;
  /** How often the retention sweep runs; 0 = never on a timer. */
  readonly retentionIntervalMs: number;
  /** The service's public base URL, for the download URLs in answers; empty = from the request's host. */
  readonly publicUrl: string;
}

export interface WebhookSettings {
  /** Seals signing secrets in the log; empty = a random key kept in `keyFile`. */
  readonly key: string;
  readonly keyFile: string;
  /** Whether this instance runs the delivery worker. */
  readonly worker: boolean;
  /** Host names, addresses or CIDRs that may be plain http and private (development receivers). */
  readonly allowedHosts: readonly string[];
  readonly timeoutMs: number;
  /** Deliveries of one subscription in flight at once (each to a different ticket stream). */
  readonly maxInFlight: number;
  /** First retry delay; doubles per attempt (with jitter) up to `retryMaxMs`, for `retryWindowMs` in all. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly retryWindowMs: number;
  /** How often the worker looks for new events and due retries when nothing woke it. */
  readonly pollMs: number;
  /** Delivered and failed deliveries (and their attempts) are kept this long, then purged. */
  readonly retentionMs: number;
  /** How long a worker owns a subscription after claiming or renewing its lease in the event store. */
  readonly leaseMs: number;
  /** What another instance adds to the owner's recorded expiry before taking over (the clock skew tolerated). */
  readonly leaseMarginMs: number;
}

/**
 * `header`: trust `x-user-id` as sent (development only; warned at start). `jwt`: a session JWT in
 * `userTokenHeader`, verified against one of `jwtSecret`, `jwtPublicKey` or `jwks`. `trusted-proxy`:
 * `x-user-id` only from a peer address in `trustedProxies`.
 */
export interface StorefrontIdentitySettings {
  readonly mode: 'header' | 'jwt' | 'trusted-proxy';
  readonly userTokenHeader: string;
  /** HS256/384/512 shared secret. */
  readonly jwtSecret: string;
  /** RSA, EC or Ed25519 public key: PEM text, or the path of a PEM file. */
  readonly jwtPublicKey: string;
  /** JWKS: an http(s) URL, or the path of a JWKS JSON file. */
  readonly jwks: string;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** The claim holding the user id. */
  readonly jwtUserClaim: string;
  /** Addresses/CIDRs of the gateways allowed to send `x-user-id` (trusted-proxy mode). */
  readonly trustedProxies: readonly string[];
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
    clientsReloadMs: integer(env, 'LEAD_CLIENTS_RELOAD_MS', 1000),
    bodyLimitBytes: integer(env, 'LEAD_BODY_LIMIT_BYTES', 1024 * 1024),
    logLevel: env.LOG_LEVEL ?? 'info',
    readYourWritesTimeoutMs: integer(env, 'LEAD_READ_YOUR_WRITES_TIMEOUT_MS', 10_000),
    tokenSecret: env.LEAD_TOKEN_SECRET ?? '',
    tokenSecretFile: resolve(dataDir, 'token-secret'),
    tokenTtlSeconds: integer(env, 'LEAD_TOKEN_TTL_SECONDS', 3600),
    // `livekit-server --dev` uses this key pair: development only, set real ones in production.
    livekitApiKey: env.LIVEKIT_API_KEY || LIVEKIT_DEV_KEY,
    livekitApiSecret: env.LIVEKIT_API_SECRET || LIVEKIT_DEV_SECRET,
    livekitUrl: env.LIVEKIT_URL ?? '',
    livekitDevWebhooks: devWebhooks(env),
    videoTokenTtlSeconds: integer(env, 'LEAD_VIDEO_TOKEN_TTL_SECONDS', 600),
    auditKey: env.LEAD_AUDIT_KEY ?? '',
    auditKeyFile: resolve(dataDir, 'audit-key'),
    auditAnchorIntervalMs: integer(env, 'LEAD_AUDIT_ANCHOR_INTERVAL_MS', 5000),
    trustProxy: trustProxy(env.LEAD_TRUST_PROXY),
    generalConfigFile: env.LEAD_GENERAL_CONFIG_FILE ? resolve(env.LEAD_GENERAL_CONFIG_FILE) : resolve(dataDir, 'general-config.json'),
    rateLimitPerMinute: integer(env, 'LEAD_RATE_LIMIT_PER_MINUTE', 3000),
    rateLimitPerVisitorPerMinute: integer(env, 'LEAD_RATE_LIMIT_PER_VISITOR_PER_MINUTE', 300),
    jsonMaxDepth: positive(env, 'LEAD_JSON_MAX_DEPTH', 32),
    jsonMaxKeys: positive(env, 'LEAD_JSON_MAX_KEYS', 1000),
    jsonMaxItems: positive(env, 'LEAD_JSON_MAX_ITEMS', 10_000),
    jsonMaxValues: positive(env, 'LEAD_JSON_MAX_VALUES', 100_000),
    ...timeouts(env),
    maxConnections: integer(env, 'LEAD_MAX_CONNECTIONS', 1024),
    maxHistoryPerTicket: integer(env, 'LEAD_MAX_HISTORY_PER_TICKET', 10_000),
    projectionRetryMs: integer(env, 'LEAD_PROJECTION_RETRY_MS', 1000),
    inlineProjections: trueOrFalse(env, 'LEAD_INLINE_PROJECTIONS', true),
    readyMaxLagEvents: integer(env, 'LEAD_READY_MAX_LAG_EVENTS', 1000),
    storefrontIdentity: storefrontIdentity(env),
    slaProcessorIntervalMs: integer(env, 'LEAD_SLA_PROCESSOR_INTERVAL_MS', 500),
    slaSchedulerIntervalMs: positive(env, 'LEAD_SLA_SCHEDULER_INTERVAL_MS', 10_000),
    slaWaitingOnCustomerStatus: env.LEAD_SLA_WAITING_ON_CUSTOMER_STATUS || 'resolved',
    webhooks: webhookSettings(env, dataDir),
    attachments: attachmentSettings(env, dataDir),
    keyStoreFile: env.LEAD_KEY_STORE_PATH ? resolve(env.LEAD_KEY_STORE_PATH) : resolve(dataDir, 'keys.db'),
    personalDataEncryption: onOff(env, 'LEAD_PERSONAL_DATA_ENCRYPTION', true),
  };
}

const DEFAULT_ATTACHMENT_TYPES = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,video/mp4,text/plain';

function attachmentSettings(env: NodeJS.ProcessEnv, dataDir: string): AttachmentSettings {
  const store = (env.LEAD_ATTACHMENT_STORE || 'local') as AttachmentSettings['store'];
  if (store !== 'local' && store !== 's3') throw new Error(`LEAD_ATTACHMENT_STORE must be local or s3; got "${store}"`);
  const bucket = env.LEAD_ATTACHMENT_S3_BUCKET ?? '';
  if (store === 's3' && !bucket) throw new Error('LEAD_ATTACHMENT_STORE=s3 needs LEAD_ATTACHMENT_S3_BUCKET');
  return {
    store,
    dir: env.LEAD_ATTACHMENT_DIR ? resolve(env.LEAD_ATTACHMENT_DIR) : resolve(dataDir, 'attachments'),
    s3: {
      bucket,
      region: env.LEAD_ATTACHMENT_S3_REGION || env.AWS_REGION || 'us-east-1',
      endpoint: env.LEAD_ATTACHMENT_S3_ENDPOINT ?? '',
      prefix: env.LEAD_ATTACHMENT_S3_PREFIX ?? 'attachments/',
      forcePathStyle: env.LEAD_ATTACHMENT_S3_FORCE_PATH_STYLE === 'true',
    },
    maxBytes: positive(env, 'LEAD_ATTACHMENT_MAX_BYTES', 10 * 1024 * 1024),
    maxFiles: positive(env, 'LEAD_ATTACHMENT_MAX_FILES', 5),
    allowedTypes: (env.LEAD_ATTACHMENT_TYPES || DEFAULT_ATTACHMENT_TYPES)
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
    scanCommand: env.LEAD_ATTACHMENT_SCAN_COMMAND ?? '',
    scanUrl: env.LEAD_ATTACHMENT_SCAN_URL ?? '',
    scanTimeoutMs: positive(env, 'LEAD_ATTACHMENT_SCAN_TIMEOUT_MS', 60_000),
    unlinkedRetentionMs: positive(env, 'LEAD_ATTACHMENT_UNLINKED_RETENTION_MS', 7 * 24 * 3_600_000),
    retentionIntervalMs: integer(env, 'LEAD_ATTACHMENT_RETENTION_INTERVAL_MS', 3_600_000),
    publicUrl: (env.LEAD_PUBLIC_URL ?? '').replace(/\/+$/, ''),
  };
}

function webhookSettings(env: NodeJS.ProcessEnv, dataDir: string): WebhookSettings {
  const worker = env.LEAD_WEBHOOK_WORKER ?? 'true';
  if (worker !== 'true' && worker !== 'false') throw new Error(`LEAD_WEBHOOK_WORKER must be true or false; got "${worker}"`);
  return {
    key: env.LEAD_WEBHOOK_KEY ?? '',
    keyFile: resolve(dataDir, 'webhook-key'),
    worker: worker === 'true',
    allowedHosts: (env.LEAD_WEBHOOK_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    timeoutMs: positive(env, 'LEAD_WEBHOOK_TIMEOUT_MS', 15_000),
    maxInFlight: positive(env, 'LEAD_WEBHOOK_MAX_IN_FLIGHT', 4),
    retryBaseMs: positive(env, 'LEAD_WEBHOOK_RETRY_BASE_MS', 5_000),
    retryMaxMs: positive(env, 'LEAD_WEBHOOK_RETRY_MAX_MS', 3_600_000),
    retryWindowMs: positive(env, 'LEAD_WEBHOOK_RETRY_WINDOW_MS', 3 * 24 * 3_600_000),
    pollMs: positive(env, 'LEAD_WEBHOOK_POLL_MS', 1_000),
    retentionMs: positive(env, 'LEAD_WEBHOOK_RETENTION_MS', 30 * 24 * 3_600_000),
    leaseMs: positive(env, 'LEAD_WEBHOOK_LEASE_MS', 30_000),
    leaseMarginMs: positive(env, 'LEAD_WEBHOOK_LEASE_MARGIN_MS', 5_000),
  };
}

const IDENTITY_MODES = ['header', 'jwt', 'trusted-proxy'] as const;

function storefrontIdentity(env: NodeJS.ProcessEnv): StorefrontIdentitySettings {
  const mode = (env.LEAD_STOREFRONT_IDENTITY || 'header') as StorefrontIdentitySettings['mode'];
  if (!IDENTITY_MODES.includes(mode))
    throw new Error(`LEAD_STOREFRONT_IDENTITY must be one of ${IDENTITY_MODES.join(', ')}; got "${mode}"`);
  const list = (raw: string | undefined) =>
    (raw ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  // The gateways that may name the user default to the proxies already trusted to name the client address,
  // when those are given as addresses (a hop count or `true` says nothing about who the peer is).
  const proxyList = env.LEAD_TRUST_PROXY && !/^(true|false|\d+)$/.test(env.LEAD_TRUST_PROXY) ? env.LEAD_TRUST_PROXY : '';
  return {
    mode,
    userTokenHeader: (env.LEAD_USER_TOKEN_HEADER || 'x-user-token').toLowerCase(),
    jwtSecret: env.LEAD_USER_JWT_SECRET ?? '',
    jwtPublicKey: env.LEAD_USER_JWT_PUBLIC_KEY ?? '',
    jwks: env.LEAD_USER_JWKS ?? '',
    jwtIssuer: env.LEAD_USER_JWT_ISSUER ?? '',
    jwtAudience: env.LEAD_USER_JWT_AUDIENCE ?? '',
    jwtUserClaim: env.LEAD_USER_JWT_CLAIM || 'sub',
    trustedProxies: list(env.LEAD_USER_TRUSTED_PROXIES || proxyList),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer; got "${raw}"`);
  return value;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = integer(env, name, fallback);
  if (value === 0) throw new Error(`${name} must be at least 1`);
  return value;
}

/** Node refuses a headers timeout longer than the request timeout, so that is checked here, by name. */
function timeouts(env: NodeJS.ProcessEnv) {
  const headersTimeoutMs = positive(env, 'LEAD_HEADERS_TIMEOUT_MS', 10_000);
  const requestTimeoutMs = positive(env, 'LEAD_REQUEST_TIMEOUT_MS', 30_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new Error(`LEAD_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed LEAD_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    bodyTimeoutMs: positive(env, 'LEAD_BODY_TIMEOUT_MS', 10_000),
    keepAliveTimeoutMs: positive(env, 'LEAD_KEEP_ALIVE_TIMEOUT_MS', 5000),
  };
}

export const LIVEKIT_DEV_KEY = 'devkey';
export const LIVEKIT_DEV_SECRET = 'secret';

function trueOrFalse(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name] ?? '';
  if (raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false; got "${raw}"`);
  return raw === 'true';
}

function devWebhooks(env: NodeJS.ProcessEnv): boolean {
  const raw = env.LEAD_LIVEKIT_DEV_WEBHOOKS ?? '';
  if (raw !== '' && raw !== 'true' && raw !== 'false') throw new Error(`LEAD_LIVEKIT_DEV_WEBHOOKS must be true or false; got "${raw}"`);
  if (raw === 'true' && env.NODE_ENV === 'production') {
    throw new Error(
      'LEAD_LIVEKIT_DEV_WEBHOOKS=true is for development only: with NODE_ENV=production, set LIVEKIT_API_KEY/LIVEKIT_API_SECRET instead',
    );
  }
  return raw === 'true';
}

/** `true`/`false`, a hop count, or a comma-separated list of proxy addresses/CIDRs, as Fastify takes it. */
function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${name} must be on or off; got "${value}"`);
}
