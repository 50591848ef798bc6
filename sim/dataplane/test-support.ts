/**
 * What the data-plane tests share: database manifests, the auth secret's credentials, client
 * commands against a real instance (psql, mariadb, redis-cli) and port / process checks.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import type { ClusterState, KubeObject } from '../core/contract';
import { run } from './process';

export const DB_API = 'kubedb.com/v1';

export const VERSIONS: Record<string, string> = {
  Postgres: '15.5',
  MySQL: '8.0.36',
  MariaDB: '10.11.6',
  Redis: '7.2.4',
  MongoDB: '7.0.8',
  Elasticsearch: 'xpack-8.13.4',
};

const CONTAINERS: Record<string, string> = {
  Postgres: 'postgres',
  MySQL: 'mysql',
  MariaDB: 'mariadb',
  Redis: 'redis',
  MongoDB: 'mongodb',
  Elasticsearch: 'elasticsearch',
};

/** A standalone database object of `kind` (with an init script ConfigMap when given). */
export function databaseManifest(
  kind: string,
  namespace: string,
  name: string,
  extra: { initConfigMap?: string; deletionPolicy?: string; replicas?: number } = {},
): KubeObject {
  return {
    apiVersion: DB_API,
    kind,
    metadata: { name, namespace },
    spec: {
      version: VERSIONS[kind],
      ...(kind === 'Redis' ? { mode: 'Standalone' } : { replicas: extra.replicas ?? 1 }),
      storageType: 'Durable',
      storage: {
        storageClassName: 'standard',
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
      podTemplate: {
        spec: {
          containers: [{ name: CONTAINERS[kind], resources: { limits: { memory: '256Mi' } } }],
        },
      },
      deletionPolicy: extra.deletionPolicy ?? 'WipeOut',
      ...(extra.initConfigMap
        ? { init: { script: { configMap: { name: extra.initConfigMap } } } }
        : {}),
    },
  };
}

/** username/password of a database's auth secret. */
export function credentials(
  state: ClusterState,
  namespace: string,
  name: string,
): { user: string; password: string } {
  const secret = state.get('v1', 'Secret', namespace, `${name}-auth`);
  const data = (secret?.data ?? {}) as Record<string, string>;
  const decode = (v: string | undefined): string => Buffer.from(v ?? '', 'base64').toString('utf8');
  return { user: decode(data.username), password: decode(data.password) };
}

/** Runs one statement / command with the engine's own client over TCP and returns its output. */
export async function query(
  engine: 'postgres' | 'mariadb' | 'redis',
  address: string,
  creds: { user: string; password: string },
  statement: string,
): Promise<string> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  const result =
    engine === 'postgres'
      ? await run(
          'psql',
          ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', port, '-U', creds.user].concat([
            '-d',
            'postgres',
            '-c',
            statement,
          ]),
          { env: { PGPASSWORD: creds.password }, timeoutMs: 20_000 },
        )
      : engine === 'mariadb'
        ? await run(
            'mariadb',
            ['--no-defaults', '-h', host, '-P', port, '-u', creds.user, '-N', '-B', '-e'].concat(
              statement,
            ),
            { env: { MYSQL_PWD: creds.password }, timeoutMs: 20_000 },
          )
        : await run(
            'redis-cli',
            ['-h', host, '-p', port, '--no-auth-warning', ...statement.split(' ')],
            { env: { REDISCLI_AUTH: creds.password }, timeoutMs: 20_000 },
          );
  if (result.code !== 0 || /^(ERR|NOAUTH|WRONGPASS)/.test(result.stdout))
    throw new Error(`${engine} client failed: ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      // A connect to a free port in the ephemeral range can meet itself (TCP self-connect).
      const self = socket.localPort === port;
      socket.destroy();
      resolve(!self);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of live processes working inside `dir` (servers chdir to their data directory). */
export function pidsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd.startsWith(dir) && alive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** The machine has this binary. */
export function has(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
