/**
 * The simulator command line with `--data-plane real`, driven by the real kubectl over HTTP:
 * Postgres, MySQL, MariaDB and Redis objects turn Ready behind real processes that take the auth
 * secret's credentials; a MongoDB on the same cluster stays simulated and says so. Then the
 * simulator is killed with SIGKILL: no database process may survive and every port is free.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import { databaseManifest, pidsUnder, portOpen, query } from '../../sim/dataplane/test-support';
import { waitFor } from '../../sim/operator/test-support';
import { runKubectl, writeKubeconfig } from '../helpers/kubectl';

const ROOT = resolve(import.meta.dirname, '../..');
const NS = 'dp';
const KINDS = {
  Postgres: 'postgres',
  MySQL: 'mariadb',
  MariaDB: 'mariadb',
  Redis: 'redis',
} as const;
const STATEMENT = {
  postgres: ['CREATE TABLE t (v text)', "INSERT INTO t VALUES ('x')", 'SELECT v FROM t'],
  mariadb: [
    'CREATE DATABASE app',
    "CREATE TABLE app.t (v text); INSERT INTO app.t VALUES ('x')",
    'SELECT v FROM app.t',
  ],
  redis: ['SET a x', 'PING', 'GET a'],
};

let dir: string;
let child: ChildProcess;
let kubeconfig: string;
const ports: number[] = [];

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await runKubectl(kubeconfig, args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function jsonpath(resource: string, path: string): Promise<string> {
  return kubectl(['get', '-n', NS, resource, '-o', `jsonpath={${path}}`]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dp-cli-'));
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sim/cli.ts',
      '--port',
      '0',
      '--speed',
      '20',
      '--crds',
      crdsDirForTests(),
    ].concat(['--data-plane', 'real', '--data-plane-dir', join(dir, 'data')]),
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /sim ready: \S+ (\S+)/.exec(out);
      if (match?.[1]) done(match[1]);
    });
    child.once('exit', (code) => fail(new Error(`sim exited (${String(code)}): ${out}`)));
  });
  kubeconfig = writeKubeconfig(url, join(dir, 'kube'));
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    ...Object.keys(KINDS).map((kind) => databaseManifest(kind, NS, kind.toLowerCase())),
    databaseManifest('MongoDB', NS, 'mongo'),
  ];
  // A stream of JSON objects, one per line (kubectl reads concatenated JSON documents).
  await kubectl(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));
}, 30_000);

afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('sim CLI with --data-plane real, through kubectl', () => {
  it.each(Object.entries(KINDS))(
    '%s is Ready behind a real %s that takes the auth secret credentials',
    async (kind, engine) => {
      const name = kind.toLowerCase();
      await waitFor(
        async () => (await jsonpath(`${name}.kubedb.com/${name}`, '.status.phase')) === 'Ready',
        `${kind} Ready`,
        60_000,
        250,
      );
      const annotations = JSON.parse(
        await jsonpath(`pod/${name}-0`, '.metadata.annotations'),
      ) as Record<string, string>;
      expect(annotations['sim.kubedb.dev/data-plane']).toBe('real');
      const address = annotations['sim.kubedb.dev/direct-address'] ?? '';
      ports.push(Number(address.split(':')[1]));
      const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
      const creds = {
        user: decode(await jsonpath(`secret/${name}-auth`, '.data.username')),
        password: decode(await jsonpath(`secret/${name}-auth`, '.data.password')),
      };
      const [create, write, read] = STATEMENT[engine] as [string, string, string];
      await query(engine, address, creds, create);
      await query(engine, address, creds, write);
      expect(await query(engine, address, creds, read)).toBe('x');
    },
    90_000,
  );

  it('a MongoDB stays simulated and its pod says why', async () => {
    await waitFor(
      async () => (await jsonpath('mongodb.kubedb.com/mongo', '.status.phase')) === 'Ready',
      'MongoDB Ready',
      60_000,
      250,
    );
    expect(await jsonpath('pod/mongo-0', '.status.message')).toBe(
      'simulated: no mongod on this machine',
    );
    expect(
      await jsonpath('pod/mongo-0', ".metadata.annotations['sim\\.kubedb\\.dev/data-plane']"),
    ).toBe('simulated');
  }, 90_000);

  it('SIGKILL of the simulator leaves no database process and frees every port', async () => {
    expect(pidsUnder(join(dir, 'data')).length).toBeGreaterThanOrEqual(4);
    child.kill('SIGKILL');
    await waitFor(() => pidsUnder(join(dir, 'data')).length === 0, 'no server left', 15_000, 50);
    const open: string[] = [];
    for (const port of ports)
      if (await portOpen(port))
        open.push(
          `${port}: ${execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' })}`,
        );
    expect(open).toEqual([]);
  }, 30_000);
});
