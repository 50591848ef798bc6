/** How failed logins slow down and then lock, per username and source address. */
export interface LoginThrottleOptions {
  /** Failures in a row that lock the pair. Default 5. */
  maxFailures?: number;
  /** How long a lock lasts. Default 15 minutes. */
  lockMs?: number;
  /** The delay added to the second failure; it doubles with each further one. Default 100 ms. */
  slowdownBaseMs?: number;
  /** The longest added delay. Default 2 s. */
  slowdownMaxMs?: number;
  /** Pairs remembered at most; the oldest are forgotten first (bounded memory under a spray). */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailureAt: number;
}

/**
 * What sign-in needs of a throttle. The in-memory `LoginThrottle` answers at once; the shared
 * mode's Redis one (engine/redis) answers for every replica, so a lockout holds on all of them.
 */
export interface LoginAttempts {
  /** Milliseconds until the pair may try again; 0 when it is not locked. */
  lockedFor(key: string): number | Promise<number>;
  /** Records a failure; returns how long to hold the answer back. */
  failure(key: string): number | Promise<number>;
  success(key: string): void | Promise<void>;
}

/** The delay a failure adds: none for the first, then doubling from `baseMs`, at most `maxMs`. */
export function failureDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures < 2) return 0;
  return Math.min(maxMs, baseMs * 2 ** (failures - 2));
}

/**
 * Counts failed logins per `username|source`. Unknown usernames are counted exactly like known ones,
 * so the throttle's answers reveal nothing about which accounts exist. In memory: each engine
 * instance counts its own attempts, which still bounds guessing per instance.
 */
export class LoginThrottle implements LoginAttempts {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly baseMs: number;
  private readonly maxDelayMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.lockMs = options.lockMs ?? 15 * 60_000;
    this.baseMs = options.slowdownBaseMs ?? 100;
    this.maxDelayMs = options.slowdownMaxMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  static key(username: string, source: string | null): string {
    return `${username.toLowerCase()}|${source ?? '-'}`;
  }

  /** Milliseconds until the pair may try again; 0 when it is not locked. */
  lockedFor(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const left = entry.lockedUntil - this.now();
    if (left > 0) return left;
    if (entry.lockedUntil > 0) this.entries.delete(key);
    return 0;
  }

  /** Records a failure; returns how long to hold the answer back (slowing a guesser down). */
  failure(key: string): number {
    const now = this.now();
    const entry = this.entries.get(key) ?? { failures: 0, lockedUntil: 0, lastFailureAt: now };
    // A quiet spell as long as a lock forgives earlier failures.
    if (now - entry.lastFailureAt > this.lockMs) entry.failures = 0;
    entry.failures += 1;
    entry.lastFailureAt = now;
    if (entry.failures >= this.maxFailures) entry.lockedUntil = now + this.lockMs;
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.evict();
    return failureDelay(entry.failures, this.baseMs, this.maxDelayMs);
  }

  success(key: string): void {
    this.entries.delete(key);
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      this.entries.delete(oldest);
    }
  }
}
