import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isCacheable } from './index';
import { openSqliteOfflineCache } from './sqlite-offline-cache';

describe('the offline cache', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the last answer per URL and prunes old ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'offline-'));
    dirs.push(dir);
    const cache = openSqliteOfflineCache(join(dir, 'cache.sqlite'));
    cache.put('/api/v1/databases', { items: [1] }, 1_000);
    cache.put('/api/v1/databases', { items: [1, 2] }, 2_000);
    cache.put('/api/v1/providers', { items: [] }, 500);
    expect(cache.get('/api/v1/databases')).toEqual({ body: { items: [1, 2] }, at: 2_000 });
    expect(cache.prune(1_000)).toBe(1);
    expect(cache.get('/api/v1/providers')).toBeNull();
    cache.close();
  });

  it('never keeps credentials, events or auth answers', () => {
    expect(isCacheable('GET', '/api/v1/databases?engine=redis')).toBe(true);
    expect(isCacheable('GET', '/api/v1/databases/abc/manifest')).toBe(true);
    expect(isCacheable('GET', '/api/v1/databases/abc/credentials')).toBe(false);
    expect(isCacheable('GET', '/api/v1/events')).toBe(false);
    expect(isCacheable('GET', '/api/v1/auth/me')).toBe(false);
    expect(isCacheable('GET', '/api/v1/api-keys')).toBe(false);
    expect(isCacheable('POST', '/api/v1/databases')).toBe(false);
  });

  it('decides on the decoded path, so percent-encoding, case and slashes do not smuggle credentials in', () => {
    for (const url of [
      '/api/v1/databases/abc/%63redentials',
      '/api/v1/databases/abc/%63%72%65%64%65%6e%74%69%61%6c%73',
      '/api/v1/databases/abc/%43REDENTIALS',
      '/api/v1/databases/abc/credentials/',
      '/api/v1/databases/abc//credentials?x=1',
      '/api/v1/databases/abc/credentials#frag',
      '/api/v1/databases/abc%2Fcredentials',
      '/api/v1/%61uth/me',
      '/api/v1/%65vents',
      '/%61pi/v1/api-keys',
      '/api/v1/databases/%ZZ',
    ]) {
      expect(isCacheable('GET', url), url).toBe(false);
    }
    expect(isCacheable('GET', '/api/v1/databases/abc/%6Danifest')).toBe(true);
  });

  it('writes no secret to its file when only cacheable answers are put', () => {
    const dir = mkdtempSync(join(tmpdir(), 'offline-'));
    dirs.push(dir);
    const file = join(dir, 'cache.sqlite');
    const cache = openSqliteOfflineCache(file);
    const url = '/api/v1/databases/abc/credentials';
    if (isCacheable('GET', url)) cache.put(url, { password: 'canary-secret' }, 1);
    cache.close();
    expect(readFileSync(file).includes('canary-secret')).toBe(false);
  });
});
