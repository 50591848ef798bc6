import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertResources } from '../helpers/alerts';
import { PERMISSION_RULES, type PermissionRule } from '../../engine/api/plugins/auth';
import type { Permission, RouteSpec } from '../../engine/api/route-table';
import type { Database, RoleBinding } from '../../engine/domain';
import { signJwt, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../engine/services/auth';
import type { SimCluster } from '../../sim/index';
import {
  startClusters,
  startTestEngine,
  waitFor,
  type Caller,
  type TestEngine,
} from '../helpers/engine';

/**
 * The authorization matrix, GENERATED from the engine's route table: every route × every kind of
 * caller gets the status class API.md prescribes. A route added to the table is covered here
 * without touching this file (its params and body come from conventions below, with a fallback).
 */

const TOKEN_KEY = 'authorization-matrix-token-key-0123456789';
const A = { domain: 'acme', project: 'alpha' };
const B = { domain: 'acme', project: 'beta' };

type IdentityName =
  | 'anonymous'
  | 'revoked-key'
  | 'expired-token'
  | 'viewer-a'
  | 'operator-a'
  | 'operator-b'
  | 'admin';
interface Identity {
  name: IdentityName;
  caller: Caller;
  /** Its bindings; null for callers that are not authenticated at all. */
  bindings: RoleBinding[] | null;
  /** Own source address, so that per-address rate limits of anonymous callers do not mix. */
  address: string;
}

/**
 * The engine's whole route table, read from its OpenAPI document (which `allRoutes` generates from
 * the very table the API registers): method, path and declared permission of every route.
 */
async function engineRoutes(t: TestEngine): Promise<RouteSpec[]> {
  const document = await t.request<{
    paths: Record<string, Record<string, { 'x-permission': Permission }>>;
  }>('GET', '/api/v1/openapi.json');
  return Object.entries(document.body.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase() as RouteSpec['method'],
      url: path.replace(/\{([A-Za-z]+)\}/g, ':$1'),
      permission: operation['x-permission'],
      summary: '',
      handler: async () => undefined,
    })),
  );
}

/** A storage record only: no test of it runs here, so its endpoint is never called. */
const STORAGE_BODY = {
  name: 'matrix-s3',
  type: 's3',
  bucket: 'matrix-bucket',
  endpoint: 'http://127.0.0.1:9',
  accessKeyId: 'matrix-access-key',
  secretAccessKey: 'matrix-secret-key',
};

type Outcome = 'unauthenticated' | 'forbidden' | 'not-found' | 'allowed' | 'public';

const RANK = { viewer: 1, operator: 2, admin: 3 } as const;

/** What API.md says the caller should get; `targetsA` = the route's params or body name an object of project A. */
function expected(route: RouteSpec, identity: Identity, targetsA: boolean): Outcome {
  // /metrics passes the auth plugin (its scrape token is not a session) and then takes a global
  // admin's token or the scrape token only (API.md, README "Metrics").
  if (route.url === '/metrics') {
    if (identity.bindings === null) return 'unauthenticated';
    return identity.bindings.some((b) => b.role === 'admin' && b.domain === undefined)
      ? 'allowed'
      : 'forbidden';
  }
  if (route.permission === 'public') return 'public';
  if (identity.bindings === null) return 'unauthenticated';
  const rule: PermissionRule = PERMISSION_RULES[route.permission];
  // The sample API key is the admin's: anyone else's key is a 404 to a non-admin.
  if (rule.reach === 'self')
    return route.url.includes(':id') && !identity.bindings.some((b) => b.role === 'admin')
      ? 'not-found'
      : 'allowed';
  const fits = identity.bindings.filter(
    (b) => RANK[b.role] >= RANK[rule.role] && (rule.reach !== 'global' || b.domain === undefined),
  );
  if (fits.length === 0) return 'forbidden';
  if (rule.reach !== 'scoped' || !targetsA) return 'allowed';
  const reachesA = (b: RoleBinding) =>
    b.domain === undefined ||
    (b.domain === A.domain && (b.project === undefined || b.project === A.project));
  const seesA = identity.bindings.some(reachesA);
  const actsOnA = fits.some(reachesA);
  // A create names its target in the body: refusing it reveals nothing, so it is a 403.
  if (!seesA)
    return route.method === 'POST' && !route.url.includes(':') ? 'forbidden' : 'not-found';
  return actsOnA ? 'allowed' : 'forbidden';
}

function statusMatches(outcome: Outcome, status: number): boolean {
  switch (outcome) {
    case 'unauthenticated':
      return status === 401;
    case 'forbidden':
      return status === 403;
    case 'not-found':
      return status === 404;
    case 'allowed':
      return status !== 401 && status !== 403 && status !== 404 && status < 500;
    case 'public':
      return status !== 403;
  }
}

describe('authorization, generated from the route table', () => {
  let t: TestEngine;
  let clusters: SimCluster[];
  let routes: RouteSpec[];
  const identities: Identity[] = [];
  const ids: Record<string, string> = {};
  let dbA: Database;
  let dbB: Database;
  let victims = 0;
  let counter = 0;

  async function admin<T>(method: string, url: string, body?: unknown): Promise<T> {
    const response = await t.request<T>(method, url, body);
    if (response.status >= 300)
      throw new Error(`${method} ${url} failed: ${response.status} ${response.text}`);
    return response.body;
  }

  async function createDatabase(project: typeof A, name: string): Promise<Database> {
    const body = await admin<{ database: Database }>('POST', '/api/v1/databases', {
      name,
      engine: 'postgres',
      version: '16.4',
      ...project,
      storage: { size: '1Gi' },
    });
    return body.database;
  }

  beforeAll(async () => {
    clusters = await startClusters(1);
    t = await startTestEngine({ config: { tokenKey: TOKEN_KEY } });
    routes = await engineRoutes(t);
    ids.provider = (
      await admin<{ id: string }>('POST', '/api/v1/providers', {
        name: 'cluster',
        kubeconfig: clusters[0]!.kubeconfig,
      })
    ).id;
    await admin('POST', '/api/v1/domains', { name: A.domain });
    await admin('POST', `/api/v1/domains/${A.domain}/projects`, { name: A.project });
    await admin('POST', `/api/v1/domains/${A.domain}/projects`, { name: B.project });
    dbA = await createDatabase(A, 'matrix-alpha');
    dbB = await createDatabase(B, 'matrix-beta');
    // Credentials exist once KubeDB made the auth secret: wait, so that "allowed" means allowed.
    await waitFor(
      async () =>
        (await t.request('GET', `/api/v1/databases/${dbA.id}/credentials`)).status === 200,
      'credentials of A',
      30_000,
    );
    const operations = await admin<{ items: { id: string; databaseId: string }[] }>(
      'GET',
      '/api/v1/operations?limit=500',
    );
    ids.operation = operations.items.find((o) => o.databaseId === dbA.id)?.id ?? 'none';
    // Backup objects of A, so that reads and changes by id meet something that exists.
    ids.storage = (await admin<{ id: string }>('POST', '/api/v1/backup-storages', STORAGE_BODY)).id;
    await admin('PUT', `/api/v1/databases/${dbA.id}/backup-policy`, {
      storageId: ids.storage,
      schedule: '0 2 * * *',
    });
    ids.drill = (
      await admin<{ id: string }>('POST', '/api/v1/restore-drills', {
        databaseId: dbA.id,
        schedule: '0 4 * * 0',
      })
    ).id;
    ids.operationB = operations.items.find((o) => o.databaseId === dbB.id)?.id ?? 'none';
    Object.assign(ids, await alertResources(t, clusters[0]!, dbA));

    const users: [IdentityName, RoleBinding][] = [
      ['viewer-a', { role: 'viewer', ...A }],
      ['operator-a', { role: 'operator', ...A }],
      ['operator-b', { role: 'operator', ...B }],
    ];
    for (const [name, binding] of users) {
      const user = await admin<{ id: string }>('POST', '/api/v1/users', {
        username: name,
        password: `${name}-password-123`,
        bindings: [binding],
      });
      ids[name] = user.id;
    }
    const adminLogin = await t.login('admin', 'test-admin-password-0123');
    const revoked = await t.requestAs<{ id: string; key: string }>(
      { token: adminLogin.accessToken },
      'POST',
      '/api/v1/api-keys',
      { name: 'soon-revoked', role: 'admin' },
    );
    expect(revoked.status).toBe(201);
    expect(
      (
        await t.requestAs(
          { token: adminLogin.accessToken },
          'DELETE',
          `/api/v1/api-keys/${revoked.body.id}`,
        )
      ).status,
    ).toBe(204);
    const sample = await t.requestAs<{ id: string }>(
      { token: adminLogin.accessToken },
      'POST',
      '/api/v1/api-keys',
      { name: 'sample', role: 'viewer' },
    );
    ids.apiKey = sample.body.id;
    const now = Math.floor(Date.now() / 1000);
    const expiredToken = signJwt(
      {
        iss: TOKEN_ISSUER,
        aud: TOKEN_AUDIENCE,
        sub: ids['operator-a']!,
        iat: now - 3600,
        nbf: now - 3600,
        exp: now - 60,
        jti: 'expired',
      },
      Buffer.from(TOKEN_KEY, 'utf8'),
    );
    identities.push(
      { name: 'anonymous', caller: null, bindings: null, address: '10.0.0.1' },
      {
        name: 'revoked-key',
        caller: { apiKey: revoked.body.key },
        bindings: null,
        address: '10.0.0.2',
      },
      {
        name: 'expired-token',
        caller: { token: expiredToken },
        bindings: null,
        address: '10.0.0.3',
      },
    );
    for (const [index, [name, binding]] of users.entries()) {
      const login = await t.login(name, `${name}-password-123`);
      identities.push({
        name,
        caller: { token: login.accessToken },
        bindings: [binding],
        address: `10.0.1.${index}`,
      });
    }
    // The admin goes last: its DELETEs succeed, and nothing after it depends on what they removed.
    identities.push({
      name: 'admin',
      caller: { token: adminLogin.accessToken },
      bindings: [{ role: 'admin' }],
      address: '10.0.2.1',
    });
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.all((clusters ?? []).map((c) => c.stop()));
  });

  /** Params by name, pointing at objects of project A; the fallback is a harmless unknown value. */
  async function paramsFor(route: RouteSpec, identity: Identity): Promise<Record<string, string>> {
    const resource = route.url.replace('/api/v1/', '').split('/')[0];
    const byResource: Record<string, string | undefined> = {
      databases: dbA.id,
      providers: ids.provider,
      operations: ids.operation,
      users: ids['operator-a'],
      'api-keys': ids.apiKey,
      'backup-storages': ids.storage,
      'restore-drills': ids.drill,
    };
    let id = byResource[resource ?? ''] ?? ids[resource ?? ''] ?? 'unknown-id';
    // Deleting a database is for real: each caller that may do it gets its own database in A.
    if (
      route.method === 'DELETE' &&
      resource === 'databases' &&
      expected(route, identity, true) === 'allowed'
    ) {
      id = (await createDatabase(A, `victim-${++victims}`)).id;
      // Removing a policy needs one to remove.
      if (route.url.endsWith('/backup-policy'))
        await admin('PUT', `/api/v1/databases/${id}/backup-policy`, {
          storageId: ids.storage,
          schedule: '0 2 * * *',
        });
    }
    return { id, ...A, action: 'restart', rule: 'operation-failed' };
  }

  function bodyFor(route: RouteSpec, identity: Identity): unknown {
    const unique = `m${++counter}`;
    const own = identity.bindings?.[0] ?? { role: 'viewer' };
    const bodies: Record<string, unknown> = {
      'POST /api/v1/auth/login': { username: 'admin', password: 'test-admin-password-0123' },
      'POST /api/v1/auth/refresh': { refreshToken: 'not-a-refresh-token' },
      'POST /api/v1/api-keys': { name: unique, ...own },
      'POST /api/v1/users': { username: unique, password: 'a-long-password-123', bindings: [] },
      'POST /api/v1/domains': { name: unique },
      'POST /api/v1/domains/:domain/projects': { name: unique },
      'POST /api/v1/providers': { name: unique, kubeconfig: clusters[0]!.kubeconfig },
      'POST /api/v1/providers/contexts': { kubeconfig: clusters[0]!.kubeconfig },
      'POST /api/v1/databases': {
        name: unique,
        engine: 'postgres',
        version: '16.4',
        ...A,
        storage: { size: '1Gi' },
      },
      'PATCH /api/v1/databases/:id': { replicas: 1 },
    };
    return (
      bodies[`${route.method} ${route.url}`] ??
      (route.method === 'GET' || route.method === 'DELETE' ? undefined : {})
    );
  }

  async function call(route: RouteSpec, identity: Identity) {
    const params = await paramsFor(route, identity);
    let url = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) =>
      encodeURIComponent(params[name] ?? 'sample'),
    );
    if (route.method === 'POST' && route.url === '/api/v1/databases') url += '?dryRun=true';
    const body = bodyFor(route, identity);
    const headers =
      identity.caller === null
        ? {}
        : 'token' in identity.caller
          ? { authorization: `Bearer ${identity.caller.token}` }
          : 'apiKey' in identity.caller
            ? { 'x-api-key': identity.caller.apiKey }
            : identity.caller.headers;
    // Streamed: the event stream never ends, so only its head is read.
    const response = await t.engine.api.inject({
      method: route.method,
      url,
      headers,
      remoteAddress: identity.address,
      payloadAsStream: true,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const stream = response.stream();
    let text = '';
    if (String(response.headers['content-type'] ?? '').startsWith('text/event-stream'))
      stream.destroy();
    else for await (const chunk of stream) text += String(chunk);
    return { status: response.statusCode, text };
  }

  it('gives every route the status class API.md prescribes for every caller', async () => {
    const failures: string[] = [];
    const publicStatus = new Map<string, number>();
    // DELETEs last, so that removing something never changes another route's answer.
    const ordered = [...routes].sort(
      (x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'),
    );
    expect(ordered.length).toBeGreaterThan(20);
    for (const route of ordered) {
      for (const identity of identities) {
        // `:id` and `:project` point into project A; the domain alone is shared by A and B.
        const targetsA =
          /:(id|project)\b/.test(route.url) ||
          (route.method === 'POST' && route.url === '/api/v1/databases');
        const outcome = expected(route, identity, targetsA);
        const { status, text } = await call(route, identity);
        if (!statusMatches(outcome, status))
          failures.push(
            `${route.method} ${route.url} as ${identity.name}: expected ${outcome}, got ${status} ${text.slice(0, 160)}`,
          );
        if (outcome === 'public') {
          // Credentials, good or bad, change nothing on a public route.
          const key = `${route.method} ${route.url}`;
          if (!publicStatus.has(key)) publicStatus.set(key, status);
          else if (publicStatus.get(key) !== status)
            failures.push(`${key} as ${identity.name}: ${status}, others ${publicStatus.get(key)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('never shows an object of another project, in a list or in any read', async () => {
    const secretsOf = (db: Database, operation: string) => [db.id, db.name, operation];
    const leaks: string[] = [];
    for (const identity of identities.filter(
      (i) => i.name.includes('-a') || i.name.includes('-b'),
    )) {
      const other = identity.name.endsWith('-a')
        ? secretsOf(dbB, ids.operationB!)
        : secretsOf(dbA, ids.operation!);
      for (const route of routes.filter((r) => r.method === 'GET')) {
        // Reads by id point at A's objects and are checked by the matrix; B's callers get 404s there.
        if (identity.name.endsWith('-b') && route.url.includes(':')) continue;
        const { status, text } = await call(route, identity);
        for (const value of other)
          if (status < 400 && text.includes(value))
            leaks.push(`${route.url} as ${identity.name} shows ${value}`);
      }
    }
    expect(leaks).toEqual([]);
  }, 60_000);

  it('filters lists by the caller’s bindings', async () => {
    const viewer = identities.find((i) => i.name === 'viewer-a')!;
    const list = await t.requestAs<{ items: Database[] }>(
      viewer.caller,
      'GET',
      '/api/v1/databases?limit=100',
      undefined,
      viewer.address,
    );
    expect(list.body.items.map((d) => d.project)).not.toContain(B.project);
    expect(list.body.items.map((d) => d.id)).toContain(dbA.id);
    const projects = await t.requestAs<{ items: { name: string }[] }>(
      viewer.caller,
      'GET',
      `/api/v1/domains/${A.domain}/projects`,
      undefined,
      viewer.address,
    );
    expect(projects.body.items.map((p) => p.name)).toEqual([A.project]);
    const adminList = await t.request<{ items: Database[] }>('GET', '/api/v1/databases?limit=100');
    expect(adminList.body.items.map((d) => d.id)).toEqual(expect.arrayContaining([dbA.id, dbB.id]));
  });
});
