/** One decision of a rate limiter. */
export interface RateDecision {
  allowed: boolean;
  /** The bucket's size (the `RateLimit-Limit` header). */
  limit: number;
  /** Whole requests left in the bucket after this one (0 when refused). */
  remaining: number;
  /** Milliseconds until the bucket is full again (the `RateLimit-Reset` header). */
  resetMs: number;
  /** Milliseconds until this request would be admitted (0 when allowed; `Retry-After` otherwise). */
  retryAfterMs: number;
}

/**
 * A token bucket per key: `limit` tokens, refilled evenly over `windowMs` (so `limit` requests a
 * window on average, and never more than `limit` in any burst). A request takes `cost` tokens and
 * is refused when fewer are left; a negative cost gives tokens back (never above `limit`) and is
 * always allowed. Implementations: in memory (one engine) and Redis (shared by every engine
 * instance, atomic through one Lua script); both run the same conformance suite.
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number, cost?: number): Promise<RateDecision>;
}

/** A bucket's state: tokens left at `at` (ms since epoch). */
export interface BucketState {
  tokens: number;
  at: number;
}

/**
 * The token bucket's arithmetic, shared by the memory limiter and mirrored line by line in the
 * Redis script. A clock that went back (another replica's) never refills and never moves `at` back.
 */
export function takeTokens(
  state: BucketState | undefined,
  now: number,
  limit: number,
  windowMs: number,
  cost: number,
): { state: BucketState; decision: RateDecision } {
  let tokens = state?.tokens ?? limit;
  const at = state ? Math.max(state.at, now) : now;
  if (state && now > state.at)
    tokens = Math.min(limit, tokens + ((now - state.at) * limit) / windowMs);
  const allowed = cost <= 0 || tokens >= cost;
  if (allowed) tokens = Math.min(limit, tokens - cost);
  return { state: { tokens, at }, decision: toDecision(allowed, tokens, limit, windowMs, cost) };
}

/** The decision for a bucket holding `tokens` after the request. */
export function toDecision(
  allowed: boolean,
  tokens: number,
  limit: number,
  windowMs: number,
  cost: number,
): RateDecision {
  const perToken = windowMs / limit;
  return {
    allowed,
    limit,
    remaining: Math.max(0, Math.floor(tokens + 1e-9)),
    resetMs: Math.max(0, Math.ceil((limit - tokens) * perToken)),
    retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil((cost - tokens) * perToken)),
  };
}

/** The in-memory limiter; buckets that have filled up again are forgotten as calls arrive. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, BucketState & { windowMs: number }>();
  private calls = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number, windowMs: number, cost = 1): Promise<RateDecision> {
    const now = this.now();
    if (++this.calls % 1000 === 0) this.sweep(now);
    const { state, decision } = takeTokens(this.buckets.get(key), now, limit, windowMs, cost);
    this.buckets.set(key, { ...state, windowMs });
    return decision;
  }

  private sweep(now: number): void {
    // A bucket untouched for a whole window is full: forgetting it changes nothing.
    for (const [key, bucket] of this.buckets)
      if (now - bucket.at >= bucket.windowMs) this.buckets.delete(key);
  }
}
