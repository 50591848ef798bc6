/**
 * Three engine daemons as one service: one store (the MongoDB wire test server, not mongod), one
 * Redis, a real HAProxy in front, round-robin with no stickiness. Every request below may land on
 * any replica, and the test checks which one served it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process';
import { startClusters, waitFor } from '../helpers/engine';
import { startHaproxy, type LoadBalancer } from '../helpers/haproxy';
import { testRedisUrl } from '../helpers/redis';

const PASSWORD = 'replica-admin-password';
const TOKEN_KEY = 'replicas-share-this-token-signing-key-0123456789';
const VAULT_KEY = 'ab'.repeat(32);

interface Answer<T> {
  status: number;
  body: T;
  servedBy: string | null;
}

async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer<T>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : null) as T,
    servedBy: response.headers.get('x-served-by'),
  };
}

interface StreamEvent {
  id: string;
  type: string;
  data: unknown;
}

/** A server-sent event stream read with fetch: every event it delivered, in order. */
function openStream(base: string, token: string, lastEventId?: string) {
  const abort = new AbortController();
  const events: StreamEvent[] = [];
  let lastId: string | undefined;
  let failure: unknown;
  const check = (): void => {
    if (failure !== undefined)
      throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
  };
  const done = (async () => {
    const response = await fetch(`${base}/api/v1/events`, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal: abort.signal,
    });
    if (response.status !== 200 || !response.body)
      throw new Error(`the event stream answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        if (fields.has('id')) lastId = fields.get('id');
        if (fields.has('event'))
          events.push({
            id: fields.get('id') ?? '',
            type: fields.get('event')!,
            data: JSON.parse(fields.get('data') ?? 'null'),
          });
      }
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) failure = error;
  });
  return {
    /** What arrived so far; throws what broke the stream. */
    seen: (): StreamEvent[] => {
      check();
      return events;
    },
    lastId: (): string | undefined => {
      check();
      return lastId;
    },
    async close() {
      abort.abort();
      await done;
    },
  };
}

describe('three replicas behind HAProxy on one store and one Redis (MongoDB wire test server, not mongod)', () => {
  const dataDirs: string[] = [];
  const replicas: EngineProcess[] = [];
  let lb: LoadBalancer;
  let cluster: SimCluster;
  let admin: string;

  beforeAll(async () => {
    const mongo = process.env.MONGODB_URL;
    if (!mongo)
      throw new Error(
        'MONGODB_URL is not set: run through npm test, which starts the MongoDB wire test server',
      );
    const database = `replicas${Date.now()}`;
    const url = new URL(mongo);
    url.pathname = `/${database}`;
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    const env = {
      DBAAS_STORE: 'mongodb',
      MONGODB_URL: url.toString(),
      REDIS_URL: testRedisUrl(),
      DBAAS_REDIS_PREFIX: database,
      DBAAS_TOKEN_KEY: TOKEN_KEY,
      DBAAS_VAULT_KEY: VAULT_KEY,
      DBAAS_VAULT: 'store',
      DBAAS_ADMIN_PASSWORD: PASSWORD,
      DBAAS_REFRESH_GRACE_SECONDS: '0',
    };
    // All three start at once: the first start's admin, signing key and indexes race.
    const started = await Promise.allSettled(
      [0, 1, 2].map((i) => {
        const dataDir = mkdtempSync(join(tmpdir(), `replica-${i}-`));
        dataDirs.push(dataDir);
        return startEngineProcess({ dataDir, env, timeoutMs: 60_000 });
      }),
    );
    for (const result of started) if (result.status === 'fulfilled') replicas.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    lb = await startHaproxy(replicas.map((replica) => replica.url));
    const login = await call<{ accessToken: string }>(lb.url, 'POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: PASSWORD },
    });
    expect(login.status).toBe(200);
    admin = login.body.accessToken;
  }, 120_000);

  afterAll(async () => {
    await lb?.stop();
    for (const replica of replicas) replica.signal('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.exited));
    await cluster?.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('spreads requests over every replica, and a token from one works on all', async () => {
    const served = [];
    for (let i = 0; i < 6; i++) {
      const me = await call<{ actor: string }>(lb.url, 'GET', '/api/v1/auth/me', {
        token: admin,
      });
      expect(me.status).toBe(200);
      expect(me.body.actor).toBe('admin');
      served.push(me.servedBy);
    }
    expect(new Set(served)).toEqual(new Set(lb.servers));
    // Round-robin without stickiness: no replica answers twice in a row.
    for (let i = 1; i < served.length; i++) expect(served[i]).not.toBe(served[i - 1]);
    // Exactly one admin was created although three replicas started on an empty store.
    const users = await call<{ items: { username: string }[] }>(lb.url, 'GET', '/api/v1/users', {
      token: admin,
    });
    expect(users.body.items.filter((user) => user.username === 'admin')).toHaveLength(1);
  });

  it('revokes a session everywhere when a refresh token is reused on another replica', async () => {
    const [a, b, c] = replicas.map((replica) => replica.url) as [string, string, string];
    // Its own user: a reuse ends every session of the user, and the admin's must stay.
    const created = await call(lb.url, 'POST', '/api/v1/users', {
      token: admin,
      body: { username: 'rita', password: 'rita-password-123', bindings: [{ role: 'viewer' }] },
    });
    expect(created.status).toBe(201);
    const login = await call<{ refreshToken: string; accessToken: string }>(
      a,
      'POST',
      '/api/v1/auth/login',
      { body: { username: 'rita', password: 'rita-password-123' } },
    );
    expect(login.status).toBe(200);
    const rotated = await call<{ refreshToken: string; accessToken: string }>(
      b,
      'POST',
      '/api/v1/auth/refresh',
      { body: { refreshToken: login.body.refreshToken } },
    );
    expect(rotated.status).toBe(200);
    expect(
      (await call(c, 'GET', '/api/v1/auth/me', { token: rotated.body.accessToken })).status,
    ).toBe(200);
    // The first token again, on a third replica: a theft signal, the whole family goes.
    const reused = await call(c, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: login.body.refreshToken },
    });
    expect(reused.status).toBe(401);
    const afterReuse = await call(a, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: rotated.body.refreshToken },
    });
    expect(afterReuse.status).toBe(401);
  });

  it('locks an account on every replica after five wrong passwords spread over them', async () => {
    const created = await call(lb.url, 'POST', '/api/v1/users', {
      token: admin,
      body: { username: 'lena', password: 'lena-password-123', bindings: [{ role: 'viewer' }] },
    });
    expect(created.status).toBe(201);
    const servedBy = [];
    for (let i = 0; i < 5; i++) {
      const wrong = await call(lb.url, 'POST', '/api/v1/auth/login', {
        body: { username: 'lena', password: `wrong-${i}` },
      });
      expect(wrong.status).toBe(401);
      servedBy.push(wrong.servedBy);
    }
    expect(new Set(servedBy).size).toBe(3);
    for (const replica of replicas) {
      const right = await call(replica.url, 'POST', '/api/v1/auth/login', {
        body: { username: 'lena', password: 'lena-password-123' },
      });
      expect(right.status).toBe(429);
    }
  }, 60_000);

  it('streams on one replica what another replica caused, and resumes on a third with Last-Event-ID', async () => {
    const [a, b, c] = replicas.map((replica) => replica.url) as [string, string, string];
    const onA = openStream(a, admin);
    try {
      await waitFor(() => onA.lastId(), 'the stream on A to state its position');
      const start = onA.lastId()!;
      const provider = await call<{ id: string }>(b, 'POST', '/api/v1/providers', {
        token: admin,
        body: { name: 'shared', kubeconfig: cluster.kubeconfig },
      });
      expect(provider.status).toBe(201);
      const database = await waitFor(
        async () => {
          const answer = await call<{ database: { id: string } }>(b, 'POST', '/api/v1/databases', {
            token: admin,
            body: {
              name: 'replicated',
              engine: 'postgres',
              version: '16.4',
              domain: 'acme',
              project: 'shared',
              storage: { size: '1Gi' },
            },
          });
          return answer.status === 202 ? answer.body.database : null;
        },
        'the database create to be accepted once the cluster is healthy',
        30_000,
      );
      const running = (events: StreamEvent[]) =>
        events.some(
          (event) =>
            event.type === 'database.status' &&
            (event.data as { id?: string; status?: string }).id === database.id &&
            (event.data as { status?: string }).status === 'RUNNING',
        );
      await waitFor(() => running(onA.seen()), 'A to stream the database RUNNING', 60_000);
      const seenOnA = onA.seen().filter((event) => event.type !== 'stream.reset');
      expect(seenOnA.some((event) => event.type === 'provider.health')).toBe(true);
      expect(seenOnA.some((event) => event.type === 'operation.progress')).toBe(true);

      // A client of A reconnects through C from where it started: C replays the same events.
      const onC = openStream(c, admin, start);
      try {
        await waitFor(() => running(onC.seen()), 'C to replay up to RUNNING', 30_000);
        const ids = (events: StreamEvent[]) => events.map((event) => event.id);
        const replayed = ids(onC.seen()).slice(0, seenOnA.length);
        expect(replayed).toEqual(ids(seenOnA));
        expect(onC.seen().map((event) => event.type)).not.toContain('stream.reset');
        // Ids only grow, so that order per database holds on every replica.
        const sorted = [...replayed].sort((x, y) => compareIds(x, y));
        expect(replayed).toEqual(sorted);
      } finally {
        await onC.close();
      }
    } finally {
      await onA.close();
    }
  }, 120_000);
});

/** Redis stream ids (`ms-seq`) in their order. */
function compareIds(x: string, y: string): number {
  const [xm, xs] = x.split('-').map(Number) as [number, number];
  const [ym, ys] = y.split('-').map(Number) as [number, number];
  return xm - ym || (xs ?? 0) - (ys ?? 0);
}
