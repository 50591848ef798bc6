import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../base/clock';
import type { Disposable } from '../base/disposable';
import { Emitter } from '../base/emitter';
import { NotLeaderError, type Leadership, type Role } from '../loops/leadership';

export interface RedisLeadershipOptions {
  /** Its own client, without an offline queue (`RedisConnections.open(..., { offlineQueue: false })`). */
  redis: Redis;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  instanceId: string;
  /**
   * Lease length; the leader renews every quarter of it, followers try to take it about every
   * quarter (at most every second, with jitter). Default 6 s, so a killed leader is replaced within
   * about 7 s. Give the client a command timeout of at most a quarter lease, so that a hanging call
   * fails before the lease ends.
   */
  leaseMs?: number;
  logger?: Logger;
  /** Schedules the election steps and tells the leader when its lease ends (tests step a `FakeClock`). */
  clock?: Clock;
  /** A number in [0, 1) for the followers' jitter; `Math.random` by default. */
  random?: () => number;
}

/** The default lease (README: takeover after a crash in about 7 s). */
export const DEFAULT_LEADER_LEASE_MS = 6_000;

// Renews only our own lease: compare-and-extend in one step.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
// Releases only our own lease.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Takes a free lease and, in the same step, a new fencing token.
const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('incr', KEYS[2]) else return 0 end`;

/**
 * Leader election over a Redis lease (`SET NX PX`), renewed while held. Taking the lease also takes
 * a fencing token (`INCR`), and `fence()` checks both that the lease is still ours and that no later
 * token was issued — so an instance that was paused past its lease and resumes cannot write, even
 * before its own renewal timer notices.
 */
export class RedisLeadership implements Leadership {
  private readonly redis: Redis;
  private readonly leaseKey: string;
  private readonly tokenKey: string;
  private readonly leaseMs: number;
  private readonly changes = new Emitter<Role>();
  private timer: Disposable | undefined;
  private current: Role = 'follower';
  private currentToken: number | null = null;
  private stopped = false;
  /** Until when the held lease is certainly ours: the start of the last successful renewal + lease. */
  private validUntil = 0;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: RedisLeadershipOptions) {
    this.redis = options.redis;
    const prefix = options.prefix ?? 'dbaas';
    this.leaseKey = `${prefix}:leader:lease`;
    this.tokenKey = `${prefix}:leader:token`;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEADER_LEASE_MS;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  get role(): Role {
    return this.current;
  }

  get token(): number | null {
    return this.currentToken;
  }

  async start(): Promise<void> {
    await this.redis.connect();
    await this.tick();
  }

  async fence(): Promise<void> {
    if (this.current !== 'leader' || this.currentToken === null) throw new NotLeaderError();
    if (this.clock.now() >= this.validUntil) {
      // Renewals stalled (a paused process, a slow Redis): the lease may already be someone else's.
      this.become('follower', null);
      throw new NotLeaderError('this engine instance could not renew its lease in time');
    }
    try {
      const [holder, latest] = await this.redis.mget(this.leaseKey, this.tokenKey);
      if (holder !== this.options.instanceId || Number(latest) !== this.currentToken) {
        this.become('follower', null);
        throw new NotLeaderError('this engine instance lost its lease');
      }
    } catch (error) {
      if (error instanceof NotLeaderError) throw error;
      throw new NotLeaderError('leadership cannot be confirmed: Redis is unreachable');
    }
  }

  onChange(listener: (role: Role) => void): Disposable {
    return this.changes.on(listener);
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    void this.timer?.dispose();
    if (this.current === 'leader') {
      await this.redis.eval(RELEASE, 1, this.leaseKey, this.options.instanceId).catch(() => 0);
    }
    this.become('follower', null);
    this.redis.disconnect();
  }

  /** One election step: renew a held lease, or try to take a free one; then schedule the next. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    // Measured from before the call: the lease Redis grants ends no earlier than this.
    const startedAt = this.clock.now();
    try {
      if (this.current === 'leader') {
        const renewed = await this.redis.eval(
          RENEW,
          1,
          this.leaseKey,
          this.options.instanceId,
          String(this.leaseMs),
        );
        if (renewed === 1) this.validUntil = startedAt + this.leaseMs;
        else this.become('follower', null);
      } else {
        const token = await this.redis.eval(
          ACQUIRE,
          2,
          this.leaseKey,
          this.tokenKey,
          this.options.instanceId,
          String(this.leaseMs),
        );
        if (typeof token === 'number' && token > 0) {
          this.validUntil = startedAt + this.leaseMs;
          this.become('leader', token);
        }
      }
    } catch (error) {
      // Unreachable Redis: a leader cannot prove its lease, so it steps down at once.
      this.options.logger?.warn({ err: error }, 'leader election step failed');
      if (this.current === 'leader') this.become('follower', null);
    }
    if (!this.stopped) {
      this.timer = this.clock.setTimeout(() => void this.tick(), this.nextTickMs());
    }
  }

  /**
   * A leader renews every quarter lease, so three renewals may fail before the lease ends. A
   * follower tries every quarter lease (at most every second), between half and all of it at
   * random, so followers do not knock in step and a free lease is taken within about a second.
   */
  private nextTickMs(): number {
    const quarter = this.leaseMs / 4;
    const next =
      this.current === 'leader' ? quarter : Math.min(1_000, quarter) * (0.5 + this.random() / 2);
    return Math.max(100, Math.floor(next));
  }

  private become(role: Role, token: number | null): void {
    this.currentToken = token;
    if (role === this.current) return;
    this.current = role;
    this.options.logger?.info({ role, token }, 'leadership changed');
    this.changes.emit(role);
  }
}
