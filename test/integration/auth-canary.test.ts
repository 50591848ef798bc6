import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/**
 * Canaries: secrets planted through the API (a password, an API key, a kubeconfig token, a refresh
 * token, database credentials) must appear in no log line and no response body, except the one
 * answer that hands each out.
 */
describe('secrets never leak into logs or answers', () => {
  let t: TestEngine;
  let clusters: SimCluster[];
  /** Indexes into t.responses of answers that legitimately carry a secret. */
  const exempt = new Set<number>();

  async function handingOut<T>(call: () => Promise<T>): Promise<T> {
    const result = await call();
    exempt.add(t.responses.length - 1);
    return result;
  }

  beforeAll(async () => {
    clusters = await startClusters(1);
    t = await startTestEngine();
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.all((clusters ?? []).map((c) => c.stop()));
  });

  it('keeps every planted secret out of every log line and response', async () => {
    const canaries: Record<string, string> = {};
    // A password: a user's, then used to sign in, and a wrong one.
    canaries.password = 'CANARY-password-8d1f0c2b';
    canaries.wrongPassword = 'CANARY-wrong-password-41aa';
    expect(
      (
        await t.request('POST', '/api/v1/users', {
          username: 'carol',
          password: canaries.password,
          bindings: [{ role: 'operator' }],
        })
      ).status,
    ).toBe(201);
    await t.requestAs(null, 'POST', '/api/v1/auth/login', {
      username: 'carol',
      password: canaries.wrongPassword,
    });
    const login = await handingOut(() => t.login('carol', canaries.password!));
    canaries.refreshToken = login.refreshToken;
    canaries.accessToken = login.accessToken;

    // A refresh token: rotated once, then reused (refused, and every session ends).
    const rotated = await handingOut(() =>
      t.requestAs<{ refreshToken: string }>(null, 'POST', '/api/v1/auth/refresh', {
        refreshToken: canaries.refreshToken,
      }),
    );
    expect(rotated.status).toBe(200);
    // Replayed from another client: the rotating client itself has a short grace (two tabs).
    expect(
      (
        await t.requestAs(
          null,
          'POST',
          '/api/v1/auth/refresh',
          { refreshToken: canaries.refreshToken },
          '10.8.0.9',
        )
      ).status,
    ).toBe(401);
    expect(
      (await t.requestAs({ token: canaries.accessToken }, 'GET', '/api/v1/auth/me')).status,
    ).toBe(401);

    // An API key: created, used, used wrongly, revoked, used again.
    const key = await handingOut(() =>
      t.request<{ id: string; key: string }>('POST', '/api/v1/api-keys', {
        name: 'canary',
        role: 'operator',
      }),
    );
    canaries.apiKey = key.body.key;
    expect(
      (await t.requestAs({ apiKey: canaries.apiKey }, 'GET', '/api/v1/databases')).status,
    ).toBe(200);
    expect(
      (
        await t.requestAs({ apiKey: canaries.apiKey }, 'POST', '/api/v1/databases', {
          name: 'Bad_Name',
        })
      ).status,
    ).toBe(400);
    expect((await t.request('DELETE', `/api/v1/api-keys/${key.body.id}`)).status).toBe(204);
    expect(
      (await t.requestAs({ apiKey: canaries.apiKey }, 'GET', '/api/v1/databases')).status,
    ).toBe(401);

    // A kubeconfig token: the cluster's real one, and one in a kubeconfig that is refused.
    const kubeconfig = clusters[0]!.kubeconfig;
    canaries.kubeconfigToken = /token: ["']?([^\s"']+)/.exec(kubeconfig)![1]!;
    expect(
      (await t.request('POST', '/api/v1/providers', { name: 'cluster', kubeconfig })).status,
    ).toBe(201);
    canaries.refusedToken = 'CANARY-kube-token-b7e9';
    const refused = kubeconfig
      .replace(canaries.kubeconfigToken, canaries.refusedToken)
      .replace(/server: .*/, 'server: http://169.254.169.254');
    // Refused or not (the test engine allows private addresses), its token must not come back.
    await t.request('POST', '/api/v1/providers', { name: 'metadata', kubeconfig: refused });
    await t.request('POST', '/api/v1/providers/contexts', { kubeconfig: refused });
    expect(
      (await t.request('POST', '/api/v1/providers', { name: 'cluster', kubeconfig })).status,
    ).toBe(409);

    // Database credentials: read once (the answer that hands them out).
    // An operator creates in an existing project only: the admin creates it first.
    expect((await t.request('POST', '/api/v1/domains', { name: 'acme' })).status).toBe(201);
    expect(
      (await t.request('POST', '/api/v1/domains/acme/projects', { name: 'shop' })).status,
    ).toBe(201);
    const carol = await handingOut(() => t.login('carol', canaries.password!));
    const created = await t.requestAs<{ database: Database }>(
      { token: carol.accessToken },
      'POST',
      '/api/v1/databases',
      {
        name: 'canary',
        engine: 'postgres',
        version: '16.4',
        domain: 'acme',
        project: 'shop',
        storage: { size: '1Gi' },
      },
    );
    expect(created.status).toBe(202);
    const id = created.body.database.id;
    await waitFor(
      async () => {
        const answer = await t.request<{ password: string }>(
          'GET',
          `/api/v1/databases/${id}/credentials`,
        );
        if (answer.status !== 200) return false;
        exempt.add(t.responses.length - 1);
        canaries.databasePassword = answer.body.password;
        return true;
      },
      'the credentials',
      30_000,
    );
    await t.request('GET', `/api/v1/databases/${id}/manifest`);
    await t.request('GET', `/api/v1/audit?limit=500`);

    const leaks: string[] = [];
    for (const [name, secret] of Object.entries(canaries)) {
      expect(secret.length).toBeGreaterThan(8);
      t.logs.forEach((line, index) => {
        if (line.includes(secret))
          leaks.push(`${name} in log line ${index}: ${line.slice(0, 200)}`);
      });
      t.responses.forEach((body, index) => {
        if (!exempt.has(index) && body.includes(secret))
          leaks.push(`${name} in response ${index}: ${body.slice(0, 200)}`);
      });
    }
    expect(t.logs.length).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  }, 90_000);
});
