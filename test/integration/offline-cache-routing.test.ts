import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCacheable } from '../../src/main/offline-cache';
import { startTestEngine, type TestEngine } from '../helpers/engine';

/**
 * The offline cache's "never credentials" rule against the engine's real router: whatever spelling
 * of a URL the router sends to the credentials route (or to auth, keys, users, audit, events), the
 * IPC bridge's cache must refuse to keep its answer.
 */
describe('the offline cache decides on the routed URL', () => {
  let t: TestEngine;

  beforeAll(async () => {
    t = await startTestEngine();
  });

  afterAll(async () => {
    await t?.stop();
  });

  /** Every spelling of `word` where each letter is plain, %xx or %XX. */
  function spellings(word: string, count: number): string[] {
    const out = new Set<string>([word]);
    for (let n = 1; out.size < count; n++) {
      out.add(
        [...word]
          .map((char, i) => {
            const code = char.charCodeAt(0).toString(16);
            const pick = (n >> i) % 3;
            return pick === 0 ? char : `%${pick === 1 ? code : code.toUpperCase()}`;
          })
          .join(''),
      );
    }
    return [...out];
  }

  it('refuses to keep every URL that the router answers from a secret-bearing route', async () => {
    const urls = [
      ...spellings('credentials', 24).map((word) => `/api/v1/databases/no-such-db/${word}`),
      '/api/v1/databases/no-such-db/credentials/',
      '/api/v1/databases//no-such-db/credentials',
      '/api/v1/databases/no-such-db/Credentials',
      '/api/v1/databases/no-such-db/credentials;x',
      '/api/v1/databases/no-such-db/credentials?x=1',
      ...spellings('auth', 6).map((word) => `/api/v1/${word}/me`),
      ...spellings('api-keys', 6).map((word) => `/api/v1/${word}`),
      ...spellings('users', 6).map((word) => `/api/v1/${word}`),
      ...spellings('audit', 6).map((word) => `/api/v1/${word}`),
    ];
    let routed = 0;
    for (const url of urls) {
      const answer = await t.request<{ error?: { message?: string } }>('GET', url);
      const noRoute =
        answer.status === 400 ||
        (answer.status === 404 && /^no route/.test(answer.body.error?.message ?? ''));
      if (noRoute) continue;
      routed += 1;
      expect(isCacheable('GET', url), `${url} (answered ${answer.status})`).toBe(false);
    }
    // The router does decode: most encoded spellings reach the routes, so the check above ran.
    expect(routed).toBeGreaterThan(urls.length / 2);
  });

  it('still keeps fleet reads, encoded or not', async () => {
    for (const url of ['/api/v1/databases', '/api/v1/%64atabases', '/api/v1/providers?limit=5']) {
      const answer = await t.request('GET', url);
      expect(answer.status, url).toBe(200);
      expect(isCacheable('GET', url), url).toBe(true);
    }
  });
});
