import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Project } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, type TestEngine } from '../helpers/engine';

/** Domains and projects: creation, namespaces, quotas, who may create what, and guarded deletion. */
describe('domains and projects', () => {
  let t: TestEngine;
  let clusters: SimCluster[];

  const body = (domain: string, project: string, name: string) => ({
    name,
    engine: 'postgres',
    version: '16.4',
    domain,
    project,
    storage: { size: '1Gi' },
  });

  beforeAll(async () => {
    clusters = await startClusters(1);
    t = await startTestEngine();
    await t.request('POST', '/api/v1/providers', {
      name: 'cluster',
      kubeconfig: clusters[0]!.kubeconfig,
    });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.all((clusters ?? []).map((c) => c.stop()));
  });

  it('creates domains and projects with quotas and refuses duplicates and shared namespaces', async () => {
    expect((await t.request('POST', '/api/v1/domains', { name: 'acme' })).status).toBe(201);
    expect((await t.request('POST', '/api/v1/domains', { name: 'acme' })).status).toBe(409);
    expect((await t.request('POST', '/api/v1/domains', { name: 'Not_A_Label' })).status).toBe(400);
    const project = await t.request<Project>('POST', '/api/v1/domains/acme/projects', {
      name: 'shop',
      quota: { maxDatabases: 1 },
    });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({
      domain: 'acme',
      name: 'shop',
      quota: { maxDatabases: 1 },
    });
    expect((await t.request('POST', '/api/v1/domains/nope/projects', { name: 'x' })).status).toBe(
      404,
    );
    expect((await t.request('POST', '/api/v1/domains', { name: 'acme-shop' })).status).toBe(201);
    // acme-shop/x and acme/shop-x would both live in namespace acme-shop-x.
    expect(
      (await t.request('POST', '/api/v1/domains/acme/projects', { name: 'shop-x' })).status,
    ).toBe(201);
    expect(
      (await t.request('POST', '/api/v1/domains/acme-shop/projects', { name: 'x' })).status,
    ).toBe(409);
    expect(
      (await t.request<{ name: string }>('GET', '/api/v1/domains/acme/projects/shop')).body.name,
    ).toBe('shop');
    expect((await t.request('GET', '/api/v1/domains/acme/projects/none')).status).toBe(404);
  });

  it("puts a project's databases in <domain>-<project> and applies its quota", async () => {
    const first = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      body('acme', 'shop', 'one'),
    );
    expect(first.status).toBe(202);
    expect(first.body.database.namespace).toBe('acme-shop');
    const second = await t.request<{ error: { code: string } }>(
      'POST',
      '/api/v1/databases',
      body('acme', 'shop', 'two'),
    );
    expect(second.status).toBe(422);
    expect(second.body.error.code).toBe('QUOTA_EXCEEDED');
  });

  it('creates a missing project for admins only; others get 422 naming project', async () => {
    await t.request('POST', '/api/v1/users', {
      username: 'otto',
      password: 'otto-password-123',
      bindings: [{ role: 'operator', domain: 'acme' }],
    });
    const otto = { token: (await t.login('otto', 'otto-password-123')).accessToken };
    const refused = await t.requestAs<{ error: { details: { path: string }[] } }>(
      otto,
      'POST',
      '/api/v1/databases',
      body('acme', 'typo', 'db'),
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error.details[0]?.path).toBe('project');
    expect((await t.request('GET', '/api/v1/domains/acme/projects/typo')).status).toBe(404);
    expect(
      (await t.requestAs(otto, 'POST', '/api/v1/databases', body('globex', 'x', 'db'))).status,
    ).toBe(403);
    expect(
      (await t.requestAs(otto, 'POST', '/api/v1/domains/acme/projects', { name: 'mine' })).status,
    ).toBe(403);

    const implicit = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      body('globex', 'lab', 'db'),
    );
    expect(implicit.status).toBe(202);
    expect((await t.request('GET', '/api/v1/domains/globex/projects/lab')).status).toBe(200);
    // A dry run creates nothing.
    expect(
      (await t.request('POST', '/api/v1/databases?dryRun=true', body('initech', 'tps', 'db')))
        .status,
    ).toBe(200);
    expect((await t.request('GET', '/api/v1/domains/initech')).status).toBe(404);
  });

  it('refuses to delete a project while databases live in it, and a domain while it has projects', async () => {
    expect((await t.request('DELETE', '/api/v1/domains/acme/projects/shop')).status).toBe(409);
    expect((await t.request('DELETE', '/api/v1/domains/acme')).status).toBe(409);
    expect((await t.request('DELETE', '/api/v1/domains/acme/projects/shop-x')).status).toBe(204);
    expect((await t.request('DELETE', '/api/v1/domains/acme-shop')).status).toBe(204);
    const domains = await t.request<{ items: { name: string }[] }>('GET', '/api/v1/domains');
    expect(domains.body.items.map((d) => d.name).sort()).toEqual(['acme', 'globex']);
  });
});
