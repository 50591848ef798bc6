import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { LIMITS } from './domain/limits';

const booleanFromEnv = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no'])])
  .transform((value) => value === true || value === '1' || value === 'true' || value === 'yes');

/** One address (`10.0.0.7`, `::1`) or CIDR range (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrRange(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

/** A comma-separated list (as the variable carries it) or an array of addresses and CIDR ranges. */
const addressList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (typeof value === 'string' ? value.split(',') : value)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  )
  .refine((entries) => entries.every(isAddressOrRange), {
    error: 'must be IP addresses or CIDR ranges separated by commas (e.g. 10.0.0.0/8,::1)',
  });

/**
 * Everything the engine can be told. Built once by `loadConfig` from the environment (and the
 * daemon's flags), then frozen: nothing else in the engine reads `process.env`.
 */
export const ConfigSchema = z.object({
  /** `desktop` when hosted in Electron's main process, `daemon` for the headless server. */
  mode: z.enum(['daemon', 'desktop']).default('daemon'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65_535).default(8080),
  dataDir: z.string().min(1).default('.data'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  store: z.enum(['sqlite', 'mongodb']).default('sqlite'),
  mongodbUrl: z.string().url().optional(),
  redisUrl: z.string().url().optional(),
  /**
   * Where secrets live: `keytar` (the OS keychain, the desktop's default), `file` (an encrypted file
   * in dataDir, a single daemon's default) or `store` (sealed in the shared store, the default of
   * replicas on MongoDB; needs vaultKey, the same on every replica).
   */
  vault: z.enum(['file', 'keytar', 'store']).optional(),
  /** 32 bytes, base64 or hex, for the encrypted file vault; a 0600 key file is created otherwise. */
  vaultKey: z.string().optional(),
  /** Where the built renderer lives; the daemon serves it at `/` when present. */
  rendererDir: z.string().optional(),
  /** Kubeconfig guard relaxations (daemon); the desktop allows what the user's kubectl allows. */
  allowExecAuth: booleanFromEnv.default(false),
  allowPrivateClusterAddresses: booleanFromEnv.default(false),
  /** Operation workers (API.md: 3 by default, at most 10). */
  workers: z.coerce.number().int().min(1).max(10).default(3),
  /** Attempts per operation before it fails. */
  maxAttempts: z.coerce.number().int().min(1).max(10).default(3),
  /** How long Critical/NotReady must last, with no operation running, before a database shows FAILED. */
  failureThresholdMs: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /**
   * A watch that delivers nothing (not even a bookmark) for this long ends, and its cache lists
   * again instead of resuming, so a path that stalls watches is noticed.
   */
  watchSilenceTimeoutMs: z.coerce.number().int().min(1_000).max(600_000).default(90_000),
  /**
   * A cluster whose watch data nothing confirmed (list, event, bookmark) for this long is
   * unconfirmed: its databases read UNKNOWN until it is confirmed. Default: the silence bound + 30 s.
   */
  watchStaleAfterMs: z.coerce.number().int().min(1_000).max(1_200_000).optional(),
  /** How often pod CPU and memory are sampled from metrics.k8s.io. */
  /** Bearer token a Prometheus scraper presents at GET /metrics (besides signed-in admins). */
  metricsToken: z.string().min(16).optional(),
  metricsIntervalMs: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  /** The reconciler's periodic pass over every database. */
  reconcileIntervalMs: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
  /** How long a running operation's lease lasts without renewal: after a crash, it runs again after about this. */
  queueLeaseMs: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** Prefix of every Redis key (queue, leader lease, status cache, rate limits), so deployments can share one Redis. */
  redisPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'redisPrefix must be 1-40 letters, digits, _ or -' })
    .default('dbaas'),
  /**
   * The leader's lease in Redis (shared mode): renewed every quarter of it, so a killed leader is
   * replaced after at most about this plus a second; a graceful stop hands over at once.
   */
  leaderLeaseMs: z.coerce.number().int().min(2_000).max(60_000).default(6_000),
  /** This instance's name in leader election (shared mode); random when unset. */
  instanceId: z.string().min(1).max(100).optional(),
  /** Attempts per notification delivery before it becomes a dead letter. */
  notifyMaxAttempts: z.coerce.number().int().min(1).max(10).default(5),
  /** The first retry's delay of a notification delivery; each next one doubles (with jitter, up to 60 s). */
  notifyRetryInitialMs: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** How often every cluster's health is checked. */
  providerHealthIntervalMs: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /** The first start's `admin` password; generated and printed once by the daemon when unset. */
  adminPassword: z
    .string()
    .min(12, { error: 'must be at least 12 characters' })
    .max(256)
    .optional(),
  /** HS256 key of access tokens (share it between replicas); a generated one is kept in the vault otherwise. */
  tokenKey: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  /** Seconds in which the client that rotated a refresh token may present it again (two tabs); 0 = none. */
  refreshGraceSeconds: z.coerce.number().int().min(0).max(60).default(10),
  /** Days an API key lives when its request names none (at most `apiKeyMaxLifetimeDays`). */
  apiKeyLifetimeDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.apiKeyLifetimeDays.max)
    .default(LIMITS.apiKeyLifetimeDays.default),
  /** The most days a key may be asked to live; keys from before expiries end this long after creation. */
  apiKeyMaxLifetimeDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.apiKeyLifetimeDays.max)
    .default(LIMITS.apiKeyLifetimeDays.max),
  /** Unexpired API keys one user may hold. */
  apiKeysPerUser: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.apiKeysPerUser.max)
    .default(LIMITS.apiKeysPerUser.default),
  /** Set by the desktop's main process only (no variable): the per-process token of its IPC requests. */
  desktopIdentityToken: z.string().min(32).optional(),
  /** Requests per minute per identity (API.md: reads 100, writes 60, bulk 10 at most). */
  rateLimitReadsPerMinute: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.rateLimitReadsPerMinute.max)
    .default(LIMITS.rateLimitReadsPerMinute.default),
  rateLimitWritesPerMinute: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.rateLimitWritesPerMinute.max)
    .default(LIMITS.rateLimitWritesPerMinute.default),
  rateLimitBulkPerMinute: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.rateLimitBulkPerMinute.max)
    .default(LIMITS.rateLimitBulkPerMinute.default),
  /**
   * Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client; the rate
   * limits and the sign-in throttle then count the client, not the proxy. Empty: the socket's peer.
   */
  trustedProxies: addressList.default([]),
});

export type EngineConfig = Readonly<z.infer<typeof ConfigSchema>>;

/** The header that carries the desktop's identity token on IPC requests (set by main, never by the page). */
export const DESKTOP_IDENTITY_HEADER = 'x-dbaas-local-identity';

/** The environment variables the engine understands, and the config field each one sets. */
const ENV_KEYS = {
  DBAAS_HOST: 'host',
  DBAAS_PORT: 'port',
  DBAAS_DATA_DIR: 'dataDir',
  DBAAS_LOG_LEVEL: 'logLevel',
  DBAAS_STORE: 'store',
  MONGODB_URL: 'mongodbUrl',
  REDIS_URL: 'redisUrl',
  DBAAS_VAULT: 'vault',
  DBAAS_VAULT_KEY: 'vaultKey',
  DBAAS_RENDERER_DIR: 'rendererDir',
  DBAAS_ALLOW_EXEC_AUTH: 'allowExecAuth',
  DBAAS_ALLOW_PRIVATE_CLUSTER_ADDRESSES: 'allowPrivateClusterAddresses',
  DBAAS_PROVIDER_HEALTH_INTERVAL_MS: 'providerHealthIntervalMs',
  DBAAS_ADMIN_PASSWORD: 'adminPassword',
  DBAAS_TOKEN_KEY: 'tokenKey',
  DBAAS_REFRESH_GRACE_SECONDS: 'refreshGraceSeconds',
  DBAAS_API_KEY_LIFETIME_DAYS: 'apiKeyLifetimeDays',
  DBAAS_API_KEY_MAX_LIFETIME_DAYS: 'apiKeyMaxLifetimeDays',
  DBAAS_API_KEYS_PER_USER: 'apiKeysPerUser',
  DBAAS_RATE_LIMIT_READS_PER_MINUTE: 'rateLimitReadsPerMinute',
  DBAAS_RATE_LIMIT_WRITES_PER_MINUTE: 'rateLimitWritesPerMinute',
  DBAAS_RATE_LIMIT_BULK_PER_MINUTE: 'rateLimitBulkPerMinute',
  DBAAS_TRUSTED_PROXIES: 'trustedProxies',
  DBAAS_WORKERS: 'workers',
  DBAAS_MAX_ATTEMPTS: 'maxAttempts',
  DBAAS_FAILURE_THRESHOLD_MS: 'failureThresholdMs',
  DBAAS_WATCH_SILENCE_TIMEOUT_MS: 'watchSilenceTimeoutMs',
  DBAAS_WATCH_STALE_AFTER_MS: 'watchStaleAfterMs',
  DBAAS_RECONCILE_INTERVAL_MS: 'reconcileIntervalMs',
  DBAAS_METRICS_INTERVAL_MS: 'metricsIntervalMs',
  DBAAS_METRICS_TOKEN: 'metricsToken',
  DBAAS_INSTANCE_ID: 'instanceId',
  DBAAS_LEADER_LEASE_MS: 'leaderLeaseMs',
  DBAAS_REDIS_PREFIX: 'redisPrefix',
  DBAAS_QUEUE_LEASE_MS: 'queueLeaseMs',
  DBAAS_NOTIFY_MAX_ATTEMPTS: 'notifyMaxAttempts',
  DBAAS_NOTIFY_RETRY_INITIAL_MS: 'notifyRetryInitialMs',
} as const satisfies Record<string, keyof z.input<typeof ConfigSchema>>;

/** A config problem, naming the field (and its variable) and the rule it broke. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Turns environment variables plus explicit overrides (command-line flags win) into a frozen config.
 * Values are never echoed in errors, since some of them (vault key, URLs with passwords) are secret.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<z.input<typeof ConfigSchema>> = {},
): EngineConfig {
  const fromEnv: Record<string, unknown> = {};
  for (const [variable, field] of Object.entries(ENV_KEYS)) {
    const value = env[variable];
    if (value !== undefined && value !== '') fromEnv[field] = value;
  }
  const input = { ...fromEnv, ...stripUndefined(overrides) };
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const fieldToEnv = Object.fromEntries(Object.entries(ENV_KEYS).map(([k, v]) => [v, k]));
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const field = issue.path.join('.');
        const variable = fieldToEnv[field];
        return `${field}${variable ? ` (${variable})` : ''}: ${issue.message}`;
      }),
    );
  }
  const config = parsed.data;
  if (config.apiKeyLifetimeDays > config.apiKeyMaxLifetimeDays) {
    throw new ConfigError([
      'apiKeyLifetimeDays (DBAAS_API_KEY_LIFETIME_DAYS): must not exceed apiKeyMaxLifetimeDays (DBAAS_API_KEY_MAX_LIFETIME_DAYS)',
    ]);
  }
  if (config.store === 'mongodb' && !config.mongodbUrl) {
    throw new ConfigError(['mongodbUrl (MONGODB_URL): required when store is mongodb']);
  }
  const vault =
    config.vault ??
    (config.mode === 'desktop' ? 'keytar' : config.store === 'mongodb' ? 'store' : 'file');
  if (vault === 'store' && !config.vaultKey) {
    throw new ConfigError([
      'vaultKey (DBAAS_VAULT_KEY): required when the vault is in the shared store (vault store, the default with store mongodb): every replica opens the secrets with it',
    ]);
  }
  return Object.freeze({ ...config, dataDir: resolve(config.dataDir), vault });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
