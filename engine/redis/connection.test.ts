import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../test/helpers/redis';
import { UnavailableError } from '../base';
import { createRedisClient, createRedisConnections } from './connection';

const ENGINE_DIR = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the Redis connections', () => {
  it('connects lazily, prefixes keys and closes every client it opened', async () => {
    const prefix = `conn-${randomUUID().slice(0, 8)}`;
    const redis = createRedisConnections({ url: testRedisUrl(), prefix });
    const one = redis.open('one');
    const two = redis.open('two', { offlineQueue: false });
    expect(one.status).toBe('wait');
    expect(redis.key('status')).toBe(`${prefix}:status`);
    await one.set(redis.key('probe'), 'x');
    await two.connect();
    expect(await two.get(`${prefix}:probe`)).toBe('x');
    await one.del(redis.key('probe'));
    expect(redis.size).toBe(2);
    await redis.dispose();
    expect(one.status).toBe('end');
    expect(two.status).toBe('end');
    expect(() => redis.open('late')).toThrow(UnavailableError);
  });

  it('fails a command to an unreachable server after its bounded retries instead of waiting forever', async () => {
    const errors: Error[] = [];
    const client = createRedisClient('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 1,
      connectTimeoutMs: 500,
      onError: (error) => errors.push(error),
    });
    const started = Date.now();
    try {
      await expect(client.ping()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('is the only place in the engine that constructs an ioredis client', () => {
    const constructing = sourceFiles(ENGINE_DIR)
      .filter((file) =>
        /^import \{[^}]*\bRedis\b[^}]*\} from 'ioredis'/m.test(readFileSync(file, 'utf8')),
      )
      .map((file) => relative(ENGINE_DIR, file));
    expect(constructing).toEqual(['redis/connection.ts']);
  });
});
