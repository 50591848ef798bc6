import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** The Redis server of this test run (`npm test` or the vitest global set-up starts a private one). */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url)
    throw new Error(
      'TEST_REDIS_URL is not set: run the tests through npm test, which starts a private Redis',
    );
  return url;
}

/** A throwaway redis-server on a loopback port: no persistence, plus `extra` flags. */
export function redisServerArgs(port: number, extra: readonly string[] = []): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    ...extra,
  ];
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A Redis server of its own on `port` (in the foreground, no persistence, with `password` when
 * given), for tests where Redis comes and goes. Resolves once it accepts connections.
 */
export async function startRedis(
  port: number,
  password?: string,
  timeoutMs = 10_000,
): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    redisServerArgs(port, password ? ['--requirepass', password] : []),
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGTERM');
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
}
