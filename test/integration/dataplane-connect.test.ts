/**
 * A database created THROUGH THE ENGINE on a real-data-plane cluster is reachable the way it is
 * on a real cluster: the engine's credentials route gives the `<name>-auth` user and password,
 * `kubectl port-forward svc/NAME` (the API server's `pods/portforward`, SPDY tunnelled in
 * WebSocket) reaches the real process, and psql / mariadb / redis-cli write and read through it
 * (the MySQL kind through mariadb, since MariaDB serves it here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponse } from '../../engine/api/contracts';
import type { Database, Operation } from '../../engine/domain';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { query } from '../../sim/dataplane/test-support';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { createBody } from '../helpers/databases';
import { startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

const CASES = [
  {
    engine: 'postgres',
    version: '15.5',
    client: 'postgres',
    statements: ['CREATE TABLE t (v text)', "INSERT INTO t VALUES ('via-engine')", 'SELECT v FROM t'], // prettier-ignore
  },
  {
    engine: 'mariadb',
    version: '10.11.6',
    client: 'mariadb',
    statements: ['CREATE DATABASE app', "CREATE TABLE app.t (v text); INSERT INTO app.t VALUES ('via-engine')", 'SELECT v FROM app.t'], // prettier-ignore
  },
  {
    // The MySQL kind, served by MariaDB on the real data plane.
    engine: 'mysql',
    version: '8.4.2',
    client: 'mariadb',
    statements: ['CREATE DATABASE app', "CREATE TABLE app.t (v text); INSERT INTO app.t VALUES ('via-engine')", 'SELECT v FROM app.t'], // prettier-ignore
  },
  {
    engine: 'redis',
    version: '7.2.4',
    client: 'redis',
    statements: ['SET k via-engine', 'PING', 'GET k'],
  },
] as const;

let cluster: SimCluster;
let t: TestEngine;
let dir: string;
let kubeconfig: string;
let providerId: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dp-connect-'));
  cluster = await startSimCluster({
    name: 'real-1',
    crdsDir: crdsDirForTests(),
    speed: 200,
    dataPlane: 'real',
    dataPlaneDir: join(dir, 'data'),
  });
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, cluster.kubeconfig);
  t = await startTestEngine();
  const provider = await t.request<{ id: string }>('POST', '/api/v1/providers', {
    name: 'real-1',
    kubeconfig: cluster.kubeconfig,
    region: 'eu-west',
  });
  expect(provider.status, provider.text).toBe(201);
  providerId = provider.body.id;
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await t?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `kubectl port-forward -n NS svc/NAME :PORT`; resolves with the local port. */
async function forward(namespace: string, service: string, port: number): Promise<number> {
  const child = spawn(
    'kubectl',
    [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'cache')}`, 'port-forward', '-n', namespace, `svc/${service}`, `:${port}`], // prettier-ignore
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } },
  );
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return waitFor(
    () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? 0),
    `kubectl port-forward svc/${service} to listen (${out})`,
    20_000,
  );
}

describe('connecting to databases created through the engine', () => {
  for (const c of CASES) {
    it(`${c.engine}: credentials, kubectl port-forward svc/NAME, write and read`, async () => {
      const name = `conn-${c.engine}`;
      const created = await t.request<{ database: Database; operation: Operation }>(
        'POST',
        '/api/v1/databases',
        createBody({ name, engine: c.engine, version: c.version, providerId }),
      );
      expect(created.status, created.text).toBe(202);
      const id = created.body.database.id;
      const namespace = created.body.database.namespace;
      await waitFor(
        async () =>
          (await t.request<Operation>('GET', `/api/v1/operations/${created.body.operation.id}`))
            .body.status === 'SUCCEEDED',
        `the create operation of ${name}`,
        60_000,
      );
      await waitFor(
        () => cluster.dataPlane?.list().find((i) => i.database === name && i.state === 'running'),
        `a running ${c.engine} process behind ${name}`,
        60_000,
      );
      const creds = await waitFor(async () => {
        const r = await t.request<CredentialsResponse>('GET', `/api/v1/databases/${id}/credentials`); // prettier-ignore
        return r.status === 200 ? r.body : undefined;
      }, `the credentials of ${name}`);
      expect(creds.password.length).toBeGreaterThan(0);
      const local = await forward(namespace, name, creds.port);
      const address = `127.0.0.1:${local}`;
      const user = { user: creds.username, password: creds.password };
      const [create, write, read] = c.statements;
      await query(c.client, address, user, create);
      await query(c.client, address, user, write);
      expect(await query(c.client, address, user, read)).toMatch(/via-engine|PONG/);
      if (c.engine === 'redis') expect(await query(c.client, address, user, 'GET k')).toBe('via-engine'); // prettier-ignore
      // A wrong password is refused by the real server behind the forward.
      await expect(query(c.client, address, { ...user, password: 'wrong' }, read)).rejects.toThrow(); // prettier-ignore
    }, 120_000);
  }
});
