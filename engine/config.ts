import { resolve } from 'node:path';
import { z } from 'zod';

const booleanFromEnv = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no'])])
  .transform((value) => value === true || value === '1' || value === 'true' || value === 'yes');

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
  vault: z.enum(['file', 'keytar']).optional(),
  /** 32 bytes, base64 or hex, for the encrypted file vault; a 0600 key file is created otherwise. */
  vaultKey: z.string().optional(),
  /** Where the built renderer lives; the daemon serves it at `/` when present. */
  rendererDir: z.string().optional(),
  /** Kubeconfig guard relaxations (daemon); the desktop allows what the user's kubectl allows. */
  allowExecAuth: booleanFromEnv.default(false),
  allowPrivateClusterAddresses: booleanFromEnv.default(false),
});

export type EngineConfig = Readonly<z.infer<typeof ConfigSchema>>;

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
  if (config.store === 'mongodb' && !config.mongodbUrl) {
    throw new ConfigError(['mongodbUrl (MONGODB_URL): required when store is mongodb']);
  }
  return Object.freeze({
    ...config,
    dataDir: resolve(config.dataDir),
    vault: config.vault ?? (config.mode === 'desktop' ? 'keytar' : 'file'),
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
