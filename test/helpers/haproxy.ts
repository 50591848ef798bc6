/**
 * A real HAProxy (Debian's `haproxy`) in front of engine replicas: round-robin per request, no
 * stickiness, each answer marked with the replica that served it (`X-Served-By: e<N>`). Started in
 * the foreground (`-db`) as a child of the test, stopped by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis';

export interface LoadBalancer {
  url: string;
  /** The server names, `e0`, `e1`, … in the order of the backends given. */
  servers: string[];
  stop(): Promise<void>;
}

export function haproxyAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v haproxy']).status === 0;
}

/** The configuration: HTTP mode, round-robin, a long tunnel timeout for server-sent events. */
export function haproxyConfig(port: number, backends: readonly URL[]): string {
  return [
    'global',
    '  maxconn 512',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // An event stream is idle between heartbeats; it must not be cut like a slow request.
    '  timeout tunnel 1h',
    // Every request is balanced on its own, even on a kept-alive client connection.
    '  option http-server-close',
    'frontend console',
    `  bind 127.0.0.1:${port}`,
    '  default_backend engines',
    'backend engines',
    '  balance roundrobin',
    '  http-response set-header X-Served-By %s',
    ...backends.map((url, i) => `  server e${i} ${url.hostname}:${url.port}`),
    '',
  ].join('\n');
}

export async function startHaproxy(backendUrls: readonly string[]): Promise<LoadBalancer> {
  if (!haproxyAvailable())
    throw new Error('haproxy is not installed: run npm test, which installs it (apt haproxy)');
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-'));
  const port = await freePort();
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(
    file,
    haproxyConfig(
      port,
      backendUrls.map((url) => new URL(url)),
    ),
  );
  const check = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy rejects its configuration: ${check.stderr}`);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: 'pipe' });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`haproxy did not listen on ${port}: ${output.join('').slice(-1000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    servers: backendUrls.map((_, i) => `e${i}`),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
