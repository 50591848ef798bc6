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
  /** Lease length; renewed every third of it. Default 15 s. */
  leaseMs?: number;
  logger?: Logger;
  /** Schedules the election steps (tests step a `FakeClock`). */
  clock?: Clock;
}

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

  constructor(private readonly options: RedisLeadershipOptions) {
    this.redis = options.redis;
    const prefix = options.prefix ?? 'dbaas';
    this.leaseKey = `${prefix}:leader:lease`;
    this.tokenKey = `${prefix}:leader:token`;
    this.leaseMs = options.leaseMs ?? 15_000;
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
    try {
      if (this.current === 'leader') {
        const renewed = await this.redis.eval(
          RENEW,
          1,
          this.leaseKey,
          this.options.instanceId,
          String(this.leaseMs),
        );
        if (renewed !== 1) this.become('follower', null);
      } else {
        const token = await this.redis.eval(
          ACQUIRE,
          2,
          this.leaseKey,
          this.tokenKey,
          this.options.instanceId,
          String(this.leaseMs),
        );
        if (typeof token === 'number' && token > 0) this.become('leader', token);
      }
    } catch (error) {
      // Unreachable Redis: a leader cannot prove its lease, so it steps down at once.
      this.options.logger?.warn({ err: error }, 'leader election step failed');
      if (this.current === 'leader') this.become('follower', null);
    }
    if (!this.stopped) {
      // A leader renews every third of its lease; a follower looks often, so a takeover is prompt.
      const next = this.current === 'leader' ? this.leaseMs / 3 : Math.min(1_000, this.leaseMs / 3);
      const clock = this.options.clock ?? systemClock;
      this.timer = clock.setTimeout(() => void this.tick(), Math.max(200, Math.floor(next)));
    }
  }

  private become(role: Role, token: number | null): void {
    this.currentToken = token;
    if (role === this.current) return;
    this.current = role;
    this.options.logger?.info({ role, token }, 'leadership changed');
    this.changes.emit(role);
  }
}
