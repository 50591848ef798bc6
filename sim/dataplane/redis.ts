/**
 * Redis 7 from Debian: `redis-server` with a private config file (mode 0600: it holds
 * `requirepass`), RDB + append-only persistence in the data directory, `maxmemory` from the memory
 * limit. Init scripts do not apply to Redis (KubeDB runs none for it); they are ignored.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mib, type EngineStarter } from './engine';
import { commandVersion, run } from './process';

export const REDIS_SERVER = '/usr/bin/redis-server';

let cachedVersion: string | undefined;

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The Redis starter. */
export function redisStarter(): EngineStarter {
  return {
    engine: 'redis',
    binary: REDIS_SERVER,
    containerPort: 6379,
    stopSignal: 'SIGTERM',
    socketIsDir: false,
    machineVersion() {
      cachedVersion ??= commandVersion(REDIS_SERVER, ['--version']);
      return cachedVersion;
    },
    initialize(ctx) {
      mkdirSync(ctx.dataDir, { recursive: true, mode: 0o750 });
      return Promise.resolve(false);
    },
    command(ctx) {
      const conf = join(ctx.home, 'redis.conf');
      const lines = [
        `port ${ctx.port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        'daemonize no',
        `dir ${quote(ctx.dataDir)}`,
        'dbfilename dump.rdb',
        'appendonly yes',
        'appendfsync everysec',
        'save 60 1',
        `maxmemory ${mib(ctx.spec.memoryLimitBytes, 0.75, 16, 256)}mb`,
        'maxmemory-policy noeviction',
        `requirepass ${quote(ctx.spec.password)}`,
        'logfile ""',
      ];
      writeFileSync(conf, `${lines.join('\n')}\n`, { mode: 0o600 });
      return { command: REDIS_SERVER, args: [conf] };
    },
    async probe(ctx) {
      const result = await run(
        '/usr/bin/redis-cli',
        ['-h', '127.0.0.1', '-p', String(ctx.port), '--no-auth-warning', 'ping'],
        { env: { REDISCLI_AUTH: ctx.spec.password }, timeoutMs: 5000 },
      );
      return result.code === 0 && result.stdout.trim() === 'PONG';
    },
    configure() {
      return Promise.resolve();
    },
    runInitScripts() {
      return Promise.resolve();
    },
  };
}
