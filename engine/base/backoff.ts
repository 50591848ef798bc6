/** Exponential backoff with full jitter, bounded by `maxMs`. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0 = none, 1 = full jitter. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 200,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

/** Delay before retry number `attempt` (1-based). `random` is injectable for deterministic tests. */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  const spread = base * policy.jitter;
  return Math.round(base - spread + random() * spread);
}
