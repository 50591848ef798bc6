/**
 * vitest global set-up: suites that need Redis read `TEST_REDIS_URL`. `npm test` starts a private
 * Redis and sets it; when vitest is run directly, this starts one on a free loopback port (and
 * stops it by pid afterwards), so that no Redis suite is silently skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisServerArgs } from './redis';

export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.TEST_REDIS_URL) return undefined;
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'vitest-redis-'));
  const port = await freePort();
  const pidFile = join(dir, 'redis.pid');
  const started = spawn(
    'redis-server',
    redisServerArgs(port, ['--daemonize', 'yes', '--pidfile', pidFile, '--dir', dir]),
    { stdio: 'ignore' },
  );
  await new Promise((resolve) => started.on('exit', resolve));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (
      spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() ===
      'PONG'
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  process.env.TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
  return () => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
