import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../../test/helpers/kubectl';
import {
  StaticDataPlane,
  startTestPostgres,
  startTestRedis,
  type TestProcess,
} from './portforward-testing';
import { call, startServer, waitFor, type RunningServer } from './testing';

const PASS = 'pf-secret-1';
let running: RunningServer;
let dir: string;
let kubeconfig: string;
let redis: TestProcess;
let pg: TestProcess;
const children = new Set<ChildProcess>();

function pod(name: string, port: number, labels: Record<string, string>, phase = 'Running') {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'demo', labels },
    spec: {
      nodeName: 'sim-node-1',
      containers: [{ name: 'db', image: 'db', ports: [{ name: 'db', containerPort: port }] }],
    },
    status: { phase },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sim-pf-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user below it
  // One after the other, so that afterAll stops whichever started if the other fails.
  redis = await startTestRedis(PASS);
  pg = await startTestPostgres(join(dir, 'pg'), PASS);
  const plane = new StaticDataPlane();
  plane.add('demo', 'cache-0', 'redis', redis.port, 6379);
  plane.add('demo', 'pg-0', 'postgres', pg.port, 5432);
  running = await startServer({ dataPlane: plane });
  kubeconfig = writeKubeconfig(running.url, join(dir, 'kube'));
  const s = running.server.state;
  s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  s.create(pod('cache-0', 6379, { app: 'cache' }));
  s.create(pod('pg-0', 5432, { app: 'pg' }));
  s.create(pod('shell-0', 5432, { app: 'shell' }));
  s.create(pod('waiting-0', 5432, { app: 'waiting' }, 'Pending'));
  s.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'cache', namespace: 'demo' },
    spec: { selector: { app: 'cache' }, ports: [{ name: 'db', port: 6379, targetPort: 'db' }] },
  });
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await running?.server.close();
  await Promise.all([redis?.stop(), pg?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `kubectl port-forward ARGS` and resolves with the local port once it listens. */
async function portForward(
  args: string[],
  websockets = true,
): Promise<{ port: number; child: ChildProcess; output: () => string; exited: Promise<number> }> {
  const child = spawn(
    'kubectl',
    [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'kube', 'cache')}`, 'port-forward', '-n', 'demo', ...args], // prettier-ignore
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: join(dir, 'kube'), KUBECTL_PORT_FORWARD_WEBSOCKETS: String(websockets) }, // prettier-ignore
    },
  );
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const port = await waitFor(
    () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? 0),
    20_000,
    `kubectl port-forward to listen (output: ${out})`,
  );
  return { port, child, output: () => out, exited };
}

function stop(child: ChildProcess): void {
  child.kill('SIGTERM');
  children.delete(child);
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const r = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '-a', PASS, '--no-auth-warning', ...args]); // prettier-ignore
  return r.out;
}

/** Runs a command to completion without blocking the event loop (the API server runs here). */
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env } });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.on('close', (status) => resolve({ status, out: out.trim() }));
  });
} // prettier-ignore

function psql(port: number, sql: string): Promise<{ status: number | null; out: string }> {
  return run(
    'psql',
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-tAc', sql],
    { PGPASSWORD: PASS, PGCONNECT_TIMEOUT: '10' },
  );
}

describe('kubectl port-forward', () => {
  it('reaches redis through a pod over the WebSocket tunnel (SPDY in WebSocket)', async () => {
    const pf = await portForward(['pod/cache-0', ':6379']);
    expect(await redisCli(pf.port, 'ping')).toBe('PONG');
    expect(await redisCli(pf.port, 'set', 'k1', 'through-the-tunnel')).toBe('OK');
    expect(await redisCli(pf.port, 'get', 'k1')).toBe('through-the-tunnel');
    expect(pf.output()).not.toMatch(/error|fail/i);
    stop(pf.child);
  }, 60_000);

  it('reaches PostgreSQL over plain SPDY (websockets off) and psql writes and reads', async () => {
    const pf = await portForward(['pod/pg-0', ':5432'], false);
    const made = await psql(pf.port, 'create table t (v text); insert into t values ($$spdy$$)');
    expect(made.status).toBe(0);
    expect(await psql(pf.port, 'select v from t')).toEqual({ status: 0, out: 'spdy' });
    stop(pf.child);
  }, 60_000);

  it('resolves svc/NAME to its pod and carries many connections at once (both protocols)', async () => {
    for (const ws of [true, false]) {
      const pf = await portForward(['svc/cache', ':6379'], ws);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => redisCli(pf.port, 'set', `many-${ws}-${i}`, `v${i}`)),
      );
      expect(answers).toEqual(Array.from({ length: 20 }, () => 'OK'));
      expect(await redisCli(pf.port, 'get', `many-${ws}-7`)).toBe('v7');
      stop(pf.child);
    }
    // Every forwarded TCP socket and every upgraded connection is closed once kubectl is gone.
    await waitFor(
      () => JSON.stringify(running.server.portForwardCount()) === '{"connections":0,"sockets":0}',
      10_000,
      'connections closed',
    );
  }, 90_000);

  it('a simulated pod answers on the error stream that nothing runs behind it', async () => {
    const pf = await portForward(['pod/shell-0', ':5432']);
    const r = await psql(pf.port, 'select 1');
    expect(r.status).not.toBe(0);
    const code = await pf.exited;
    expect(code).not.toBe(0);
    expect(pf.output()).toMatch(
      /error forwarding port 5432 to pod demo\/shell-0, uid .+: pod demo\/shell-0 is simulated/,
    );
  }, 60_000);

  it('a pod that is not running is refused by kubectl before any upgrade', async () => {
    const r = await run(
      'kubectl',
      [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'kube', 'cache')}`, 'port-forward', '-n', 'demo', 'pod/waiting-0', ':5432'], // prettier-ignore
      { HOME: join(dir, 'kube') },
    );
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(
      /unable to forward port because pod is not running. Current status=Pending/,
    );
  }, 30_000);
});

describe('client-node PortForward (v4.channel.k8s.io)', () => {
  function kc(): KubeConfig {
    const k = new KubeConfig();
    k.loadFromFile(kubeconfig);
    return k;
  }

  it('round-trips redis commands on the data channel', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const errors = new PassThrough();
    let got = '';
    output.on('data', (d: Buffer) => (got += d.toString()));
    const ws = await new PortForward(kc()).portForward('demo', 'cache-0', [6379], output, errors, input); // prettier-ignore
    input.write(`AUTH ${PASS}\r\nPING\r\nSET cn v\r\nGET cn\r\n`);
    await waitFor(
      () => got === '+OK\r\n+PONG\r\n+OK\r\n$1\r\nv\r\n',
      10_000,
      `redis answers (${got})`,
    );
    (ws as { close(): void }).close();
    await waitFor(() => running.server.portForwardCount().sockets === 0, 10_000, 'socket closed');
  });

  it('reports a simulated pod on the error channel', async () => {
    const errors = new PassThrough();
    let err = '';
    errors.on('data', (d: Buffer) => (err += d.toString()));
    await new PortForward(kc(), false).portForward('demo', 'shell-0', [5432], new PassThrough(), errors, new PassThrough()); // prettier-ignore
    await waitFor(() => /is simulated/.test(err), 10_000, 'the error message');
    expect(err).toMatch(/^error forwarding port 5432 to pod demo\/shell-0, uid /);
  });
});

describe('WebSocket channel protocols (a plain ws client)', () => {
  function open(path: string, protocols: string[]): Promise<{ ws: WebSocket; messages: (Buffer | string)[] }> {
    const ws = new WebSocket(`${running.url.replace('http', 'ws')}/api/v1/namespaces/demo/pods/${path}`, protocols); // prettier-ignore
    const messages: (Buffer | string)[] = [];
    ws.on('message', (d: Buffer, binary: boolean) => messages.push(binary ? d : d.toString()));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, messages }));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  } // prettier-ignore

  it('v4.base64.channel.k8s.io: text frames, channel digit then base64', async () => {
    const { ws, messages } = await open('cache-0/portforward?ports=6379', ['v4.base64.channel.k8s.io']); // prettier-ignore
    expect(ws.protocol).toBe('v4.base64.channel.k8s.io');
    const port = Buffer.from([6379 & 0xff, 6379 >> 8]).toString('base64');
    await waitFor(() => messages.length >= 2, 5000, 'the port messages');
    expect(messages.slice(0, 2)).toEqual([`0${port}`, `1${port}`]);
    ws.send(`0${Buffer.from(`AUTH ${PASS}\r\nPING\r\n`).toString('base64')}`);
    const decoded = () =>
      messages
        .slice(2)
        .map((m) => Buffer.from(String(m).slice(1), 'base64').toString())
        .join('');
    await waitFor(() => decoded() === '+OK\r\n+PONG\r\n', 5000, `OK and PONG (${decoded()})`);
    ws.close();
  });

  it('a port the container does not listen on is refused on the error channel, then closed', async () => {
    const { ws, messages } = await open('cache-0/portforward?ports=5432', ['v4.channel.k8s.io']); // prettier-ignore
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await closed;
    const errors = messages.filter((m): m is Buffer => Buffer.isBuffer(m) && m[0] === 1 && m.length > 3); // prettier-ignore
    expect(errors.map((m) => m.subarray(1).toString())).toEqual([
      'error forwarding port 5432 to pod demo/cache-0, uid ' +
        String(running.server.state.get('v1', 'Pod', 'demo', 'cache-0')?.metadata.uid) +
        ': failed to connect to localhost:5432 inside namespace of pod demo/cache-0: connection ' +
        'refused (the redis container listens on 6379)',
    ]);
  });

  it('a client that does not read holds the database back instead of filling memory', async () => {
    const size = 24 * 1024 * 1024;
    const direct = createConnection({ host: '127.0.0.1', port: redis.port });
    let directOut = '';
    direct.on('data', (d: Buffer) => (directOut += d.toString()));
    direct.write(`AUTH ${PASS}\r\n*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`);
    direct.write(Buffer.alloc(size, 'x'));
    direct.write('\r\n');
    await waitFor(() => directOut === '+OK\r\n+OK\r\n', 20_000, 'the big value stored');
    const { ws, messages } = await open('cache-0/portforward?ports=6379', ['v4.channel.k8s.io']);
    const received = () =>
      messages.reduce((n, m) => n + (Buffer.isBuffer(m) && m[0] === 0 ? m.length - 1 : 0), 0);
    ws.pause();
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(`AUTH ${PASS}\r\nGET big\r\n`)]));
    // The forward stops reading from Redis while the client is behind: Redis keeps the rest.
    const expected = 2 + '+OK\r\n'.length + `$${size}\r\n`.length + size + 2;
    const sent = async () => {
      const list = await redisCli(redis.port, 'client', 'list');
      const line = list.split('\n').find((l) => / cmd=get /.test(l)) ?? '';
      return Number(/ omem=(\d+)/.exec(line)?.[1] ?? -1);
    };
    await waitFor(async () => (await sent()) > 0, 10_000, 'the reply queued in Redis');
    await new Promise((r) => setTimeout(r, 500)); // let the forward run until it must stop
    expect(await sent()).toBeGreaterThan(size / 2);
    ws.resume();
    await waitFor(() => received() === expected, 30_000, `all ${expected} bytes`);
    ws.close();
    direct.destroy();
  }, 60_000);

  it('refuses a subprotocol it does not speak', async () => {
    await expect(open('cache-0/portforward?ports=6379', ['v9.channel.k8s.io'])).rejects.toThrow('HTTP 400'); // prettier-ignore
  });
});

describe('refusals and lifecycle', () => {
  it('answers without an upgrade 400, an unknown pod 404, and missing ports 400', async () => {
    const base = `${running.url}/api/v1/namespaces/demo/pods`;
    const plain = await call(`${base}/cache-0/portforward?ports=6379`, 'POST');
    expect([plain.status, plain.body.message]).toEqual([400, 'Upgrade request required']);
    const up = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' }; // prettier-ignore
    const raw = async (path: string) => {
      const { request } = await import('node:http');
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const r = request(`${base}/${path}`, { headers: up });
        r.on('response', (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        r.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, body: '' });
        });
        r.on('error', reject);
        r.end();
      });
    };
    const missing = await raw('nope-0/portforward?ports=1');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('pods \\"nope-0\\" not found');
    const noPorts = await raw('cache-0/portforward');
    expect([noPorts.status, JSON.parse(noPorts.body).message]).toEqual([400, 'query parameter "ports" is required']); // prettier-ignore
  });

  it('the unreachable fault drops open forwards and refuses new upgrades', async () => {
    const k = new KubeConfig();
    k.loadFromFile(kubeconfig);
    const ws = (await new PortForward(k).portForward('demo', 'cache-0', [6379], new PassThrough(), new PassThrough(), new PassThrough())) as { readyState: number }; // prettier-ignore
    await waitFor(() => running.server.portForwardCount().sockets === 1, 5000, 'the socket');
    running.server.faults.setUnreachable(true);
    try {
      await waitFor(() => ws.readyState === 3, 5000, 'the WebSocket to close');
      await waitFor(() => running.server.portForwardCount().sockets === 0, 5000, 'socket freed');
      await expect(
        new PortForward(k).portForward('demo', 'cache-0', [6379], new PassThrough(), new PassThrough(), new PassThrough()), // prettier-ignore
      ).rejects.toBeDefined();
    } finally {
      running.server.faults.setUnreachable(false);
    }
  });

  it('close() ends every forwarded connection and its sockets', async () => {
    const pf = await portForward(['pod/cache-0', ':6379'], false);
    // A client that stays connected through the forward while the server closes.
    const held = createConnection({ host: '127.0.0.1', port: pf.port });
    let answer = '';
    held.on('data', (d: Buffer) => (answer += d.toString()));
    const heldClosed = new Promise<void>((resolve) => held.on('close', () => resolve()));
    held.on('error', () => undefined);
    held.write(`AUTH ${PASS}\r\n`);
    await waitFor(() => answer === '+OK\r\n', 10_000, 'AUTH through the forward');
    expect(running.server.portForwardCount()).toEqual({ connections: 1, sockets: 1 });
    await running.server.close();
    expect(running.server.portForwardCount()).toEqual({ connections: 0, sockets: 0 });
    // Redis itself sees no connection left but the one asking.
    await waitFor(
      async () => (await redisCli(redis.port, 'client', 'list')).split('\n').length === 1,
      5000,
      'redis to see its forwarded clients gone',
    );
    await heldClosed;
    expect(await pf.exited).not.toBe(0);
    expect(pf.output()).toMatch(/lost connection to pod/);
  }, 60_000);
});
