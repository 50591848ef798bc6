import { z } from 'zod';
import { compareQuantities, quantitySchema } from './quantity';

/** One configurable limit: its default and the most an operator may raise it to (API.md "Limits"). */
export interface LimitBound<T> {
  readonly default: T;
  readonly max: T;
}

/** API.md's limits. Configuration may raise a default, never past its maximum. */
export const LIMITS = {
  databasesPerProject: { default: 10, max: 100 },
  replicasPerDatabase: { default: 9, max: 9 },
  storagePerDatabase: { default: '1Ti', max: '10Ti' },
  concurrentOperations: { default: 3, max: 10 },
  backupRetentionDays: { default: 30, max: 365 },
  /** Days an API key lives when its request names none, and the most a request (or config) may ask. */
  apiKeyLifetimeDays: { default: 90, max: 365 },
  /** Unexpired API keys one user may hold at once. */
  apiKeysPerUser: { default: 20, max: 100 },
  /** Requests per minute per identity. API.md names no maximum; ten times the default is allowed. */
  rateLimitReadsPerMinute: { default: 100, max: 1000 },
  rateLimitWritesPerMinute: { default: 60, max: 600 },
  rateLimitBulkPerMinute: { default: 10, max: 100 },
} as const satisfies Record<string, LimitBound<number | string>>;

/** The smallest volume the console creates; KubeDB itself has no minimum. */
export const MIN_STORAGE = '1Gi';

function countLimit(field: string, bound: LimitBound<number>) {
  return z
    .number({ error: `${field} must be a number` })
    .int({ error: `${field} must be an integer` })
    .min(1, { error: `${field} must be at least 1` })
    .max(bound.max, { error: `${field} must be at most ${bound.max}` })
    .default(bound.default);
}

/** The effective limits, as configuration sets them; every field defaults to API.md's default. */
export const LimitsSchema = z.object({
  databasesPerProject: countLimit('databasesPerProject', LIMITS.databasesPerProject),
  replicasPerDatabase: countLimit('replicasPerDatabase', LIMITS.replicasPerDatabase),
  storagePerDatabase: quantitySchema('storagePerDatabase', {
    max: LIMITS.storagePerDatabase.max,
  }).default(LIMITS.storagePerDatabase.default),
  concurrentOperations: countLimit('concurrentOperations', LIMITS.concurrentOperations),
  backupRetentionDays: countLimit('backupRetentionDays', LIMITS.backupRetentionDays),
  rateLimitReadsPerMinute: countLimit('rateLimitReadsPerMinute', LIMITS.rateLimitReadsPerMinute),
  rateLimitWritesPerMinute: countLimit('rateLimitWritesPerMinute', LIMITS.rateLimitWritesPerMinute),
  rateLimitBulkPerMinute: countLimit('rateLimitBulkPerMinute', LIMITS.rateLimitBulkPerMinute),
});
export type Limits = z.infer<typeof LimitsSchema>;

/** The default limits (API.md). */
export const DEFAULT_LIMITS: Limits = Object.freeze(LimitsSchema.parse({}));

/** One broken limit, shaped like `ErrorDetail` of engine/base so services can throw it as is. */
export interface LimitViolation {
  path: string;
  rule: string;
  message: string;
}

/**
 * Checks the parts of a create or patch request that depend on configured limits (schemas only know
 * the absolute maxima). Pass only the fields the request sets.
 */
export function checkDatabaseLimits(
  request: {
    replicas?: number;
    storage?: { size: string };
    backup?: { retentionDays: number } | null;
  },
  limits: Limits = DEFAULT_LIMITS,
): LimitViolation[] {
  const violations: LimitViolation[] = [];
  if (request.replicas !== undefined && request.replicas > limits.replicasPerDatabase) {
    violations.push({
      path: 'replicas',
      rule: 'limit',
      message: `replicas must be at most ${limits.replicasPerDatabase} (the replicas-per-database limit)`,
    });
  }
  if (request.storage && compareQuantities(request.storage.size, limits.storagePerDatabase) > 0) {
    violations.push({
      path: 'storage.size',
      rule: 'limit',
      message: `storage.size must be at most ${limits.storagePerDatabase} (the storage-per-database limit)`,
    });
  }
  if (request.backup && request.backup.retentionDays > limits.backupRetentionDays) {
    violations.push({
      path: 'backup.retentionDays',
      rule: 'limit',
      message: `backup.retentionDays must be at most ${limits.backupRetentionDays} (the backup retention limit)`,
    });
  }
  return violations;
}

/** Storage may only grow (VolumeExpansion): null when `next` is larger than `current`, else why not. */
export function checkStorageGrowth(current: string, next: string): LimitViolation | null {
  if (compareQuantities(next, current) > 0) return null;
  return {
    path: 'storage.size',
    rule: 'only-growing',
    message: `storage.size must be larger than the current ${current}: volumes can only grow`,
  };
}
