import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The per-key serialisation BullMQ leaves to its Pro edition, done here in Lua so that each step
 * is atomic. Under `base` (`<prefix>:<name>:oq`):
 *   job:<id>     HASH  key, state (queued|promoted|started|done|failed|cancelled), attempts,
 *                      enqueuedAt, token (the BullMQ lock token of the delivery that may settle it)
 *   line:<key>   LIST  ids waiting behind the key's holder, in enqueue order
 *   holder:<key> STRING the one id of the key that is in BullMQ (promoted or started)
 *   holders      SET   keys that have a holder, for the repair pass
 *   queued       INT   how many ids wait in lines
 * Only a key's holder is ever a BullMQ job, so BullMQ's own concurrency spreads across keys while
 * each key runs one job at a time. Keys are built inside the scripts from `base`, so this needs a
 * single Redis node (not Redis Cluster).
 */

/** Hands the key from `id` to the next queued id of its line; returns that id, or false when the line is empty. */
const ADVANCE = `
local function advance(base, key, id)
  local holderKey = base .. ':holder:' .. key
  if redis.call('GET', holderKey) ~= id then return false end
  local lineKey = base .. ':line:' .. key
  while true do
    local nextId = redis.call('LPOP', lineKey)
    if not nextId then
      redis.call('DEL', holderKey)
      redis.call('SREM', base .. ':holders', key)
      return false
    end
    redis.call('DECR', base .. ':queued')
    local nextKey = base .. ':job:' .. nextId
    if redis.call('HGET', nextKey, 'state') == 'queued' then
      redis.call('HSET', nextKey, 'state', 'promoted')
      redis.call('SET', holderKey, nextId)
      return nextId
    end
  end
end
`;

/** ARGV base, id, key, now. Returns 0 (known id), 1 (waits in its key's line) or 2 (holds the key: add it to BullMQ). */
const ENQUEUE = `
local base, id, key, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local jobKey = base .. ':job:' .. id
if redis.call('EXISTS', jobKey) == 1 then return 0 end
local holderKey = base .. ':holder:' .. key
if redis.call('EXISTS', holderKey) == 0 then
  redis.call('HSET', jobKey, 'key', key, 'state', 'promoted', 'attempts', 0, 'enqueuedAt', now)
  redis.call('SET', holderKey, id)
  redis.call('SADD', base .. ':holders', key)
  return 2
end
redis.call('HSET', jobKey, 'key', key, 'state', 'queued', 'attempts', 0, 'enqueuedAt', now)
redis.call('RPUSH', base .. ':line:' .. key, id)
redis.call('INCR', base .. ':queued')
return 1
`;

/** ARGV base, id, now, retainMs. Returns {1, next} when the job had not started, else {0, ''}. */
const CANCEL = `${ADVANCE}
local base, id, now, retainMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local jobKey = base .. ':job:' .. id
local state = redis.call('HGET', jobKey, 'state')
local key = redis.call('HGET', jobKey, 'key')
if state == 'queued' then
  redis.call('LREM', base .. ':line:' .. key, 1, id)
  redis.call('DECR', base .. ':queued')
elseif state ~= 'promoted' or tonumber(redis.call('HGET', jobKey, 'attempts')) > 0 then
  return {0, ''}
end
redis.call('HSET', jobKey, 'state', 'cancelled', 'finishedAt', now)
redis.call('PEXPIRE', jobKey, retainMs)
return {1, advance(base, key, id) or ''}
`;

/**
 * ARGV base, id, token, maxAttempts. Starts a delivery: {1, attempt, key, enqueuedAt}; or
 * {-1, attempts, key, enqueuedAt} when interrupted deliveries used up the attempts; or {0} when
 * the job is finished, cancelled or unknown (a stale BullMQ job: skip it).
 */
const BEGIN = `
local base, id, token, maxAttempts = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local jobKey = base .. ':job:' .. id
local state = redis.call('HGET', jobKey, 'state')
if state ~= 'promoted' and state ~= 'started' then return {0} end
local attempts = tonumber(redis.call('HGET', jobKey, 'attempts'))
local key = redis.call('HGET', jobKey, 'key')
local enqueuedAt = redis.call('HGET', jobKey, 'enqueuedAt')
redis.call('HSET', jobKey, 'token', token)
if attempts >= maxAttempts then return {-1, attempts, key, enqueuedAt} end
attempts = attempts + 1
redis.call('HSET', jobKey, 'state', 'started', 'attempts', attempts)
return {1, attempts, key, enqueuedAt}
`;

/** ARGV base, id, token, state, reason, now, retainMs. Settles a delivery it still owns: {1, next} or {0, ''}. */
const FINISH = `${ADVANCE}
local base, id, token, state, reason, now, retainMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local jobKey = base .. ':job:' .. id
if redis.call('HGET', jobKey, 'token') ~= token then return {0, ''} end
redis.call('HSET', jobKey, 'state', state, 'reason', reason, 'finishedAt', now)
redis.call('HDEL', jobKey, 'token')
redis.call('PEXPIRE', jobKey, retainMs)
return {1, advance(base, redis.call('HGET', jobKey, 'key'), id) or ''}
`;

/** ARGV base, id, token. Gives back the attempt of a delivery interrupted by stop. Returns 1 if still owned. */
const RELEASE = `
local base, id, token = ARGV[1], ARGV[2], ARGV[3]
local jobKey = base .. ':job:' .. id
if redis.call('HGET', jobKey, 'token') ~= token then return 0 end
local attempts = math.max(0, tonumber(redis.call('HGET', jobKey, 'attempts')) - 1)
local state = 'started'
if attempts == 0 then state = 'promoted' end
redis.call('HSET', jobKey, 'attempts', attempts, 'state', state)
redis.call('HDEL', jobKey, 'token')
return 1
`;

/** ARGV base, key, id. Releases a key still held by a finished job (repair after a crash mid-way). */
const RELEASE_HOLDER = `${ADVANCE}
return advance(ARGV[1], ARGV[2], ARGV[3]) or ''
`;

/** ARGV base, key. Returns {holder id or '', its state or ''}. */
const INSPECT = `
local holder = redis.call('GET', ARGV[1] .. ':holder:' .. ARGV[2])
if not holder then return {'', ''} end
return {holder, redis.call('HGET', ARGV[1] .. ':job:' .. holder, 'state') or ''}
`;

/** A Lua script sent by digest, and in full only when the server does not know it yet. */
class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, 0, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, 0, ...args);
    }
  }
}

const scripts = {
  enqueue: new LuaScript(ENQUEUE),
  cancel: new LuaScript(CANCEL),
  begin: new LuaScript(BEGIN),
  finish: new LuaScript(FINISH),
  release: new LuaScript(RELEASE),
  releaseHolder: new LuaScript(RELEASE_HOLDER),
  inspect: new LuaScript(INSPECT),
};

/** The result of starting a delivery. */
export type BeginResult =
  | { kind: 'skip' }
  | { kind: 'run' | 'exhausted'; attempts: number; key: string; enqueuedAt: number };

/** Typed calls of the scripts above for one queue (`base`). */
export class KeyedLines {
  constructor(
    private readonly redis: Redis,
    private readonly base: string,
    private readonly retainMs: number,
  ) {}

  /** 'known', 'waiting' (behind its key's holder) or 'holder' (must be added to BullMQ). */
  async enqueue(id: string, key: string, now: number): Promise<'known' | 'waiting' | 'holder'> {
    const code = Number(await scripts.enqueue.run(this.redis, [this.base, id, key, now]));
    return code === 0 ? 'known' : code === 1 ? 'waiting' : 'holder';
  }

  async cancel(id: string, now: number): Promise<{ cancelled: boolean; next: string | null }> {
    const [code, next] = (await scripts.cancel.run(this.redis, [
      this.base,
      id,
      now,
      this.retainMs,
    ])) as [number, string];
    return { cancelled: code === 1, next: next || null };
  }

  async begin(id: string, token: string, maxAttempts: number): Promise<BeginResult> {
    const reply = (await scripts.begin.run(this.redis, [this.base, id, token, maxAttempts])) as [
      number,
      number?,
      string?,
      string?,
    ];
    const [code, attempts, key, enqueuedAt] = reply;
    if (code === 0) return { kind: 'skip' };
    return {
      kind: code === 1 ? 'run' : 'exhausted',
      attempts: Number(attempts),
      key: String(key),
      enqueuedAt: Number(enqueuedAt),
    };
  }

  async finish(
    id: string,
    token: string,
    state: 'done' | 'failed',
    reason: string,
    now: number,
  ): Promise<{ settled: boolean; next: string | null }> {
    const [code, next] = (await scripts.finish.run(this.redis, [
      this.base,
      id,
      token,
      state,
      reason,
      now,
      this.retainMs,
    ])) as [number, string];
    return { settled: code === 1, next: next || null };
  }

  async release(id: string, token: string): Promise<boolean> {
    return Number(await scripts.release.run(this.redis, [this.base, id, token])) === 1;
  }

  async releaseHolder(key: string, id: string): Promise<string | null> {
    return String(await scripts.releaseHolder.run(this.redis, [this.base, key, id])) || null;
  }

  async inspect(key: string): Promise<{ holder: string; state: string } | null> {
    const [holder, state] = (await scripts.inspect.run(this.redis, [this.base, key])) as [
      string,
      string,
    ];
    return holder ? { holder, state } : null;
  }

  /** One page of keys that have a holder; `cursor` '0' starts and ends the scan. */
  async holders(cursor: string): Promise<{ cursor: string; keys: string[] }> {
    const [next, keys] = await this.redis.sscan(`${this.base}:holders`, cursor, 'COUNT', 100);
    return { cursor: next, keys };
  }

  async queuedInLines(): Promise<number> {
    return Number((await this.redis.get(`${this.base}:queued`)) ?? 0);
  }
}
