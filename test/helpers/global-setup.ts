/**
 * vitest global set-up: suites that need Redis read `TEST_REDIS_URL`. `npm test` starts a private
 * Redis and sets it; when vitest is run directly, this starts one on a free loopback port (and
 * stops it by pid afterwards), so that no Redis suite is silently skipped.
 *
 * S3 suites read `TEST_S3_*` (test/helpers/s3.ts). `npm test` starts one Ceph RGW per run; when
 * vitest is run directly without TEST_S3_ENDPOINT, this starts one (about 14 s) only when the run
 * needs it: every file is selected (no filter), or a filter names an S3 file (matches
 * /s3|backup|restic|pitr|restore/i), or TEST_S3=1. TEST_S3=0 never starts one. Other targeted
 * runs stay fast.
 *
 * MongoDB suites read `MONGODB_URL`. When it is unset and the run selects a MongoDB file (no
 * filter, or one matching /mongo|shared-mode/), this starts the MongoDB wire test server (not
 * mongod; scripts/lib/mongo-wire.mjs) for the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNeedsS3, startCephRgw, testS3Env } from '../../scripts/lib/ceph-rgw.mjs';
import {
  MONGO_WIRE_LABEL,
  mongoWireAvailable,
  runNeedsMongo,
  startMongoWire,
} from '../../scripts/lib/mongo-wire.mjs';
import { freePort, redisServerArgs } from './redis';

export default async function setup(): Promise<() => void> {
  const stops = [await startRedisIfUnset(), await startS3IfNeeded(), await startMongoIfNeeded()];
  return () => {
    for (const stop of stops) stop?.();
  };
}

/** The file filters of this vitest run: its positional arguments after `run`/`watch`. */
function fileFilters(argv: readonly string[]): string[] {
  const positional = argv.slice(2).filter((a) => !a.startsWith('-'));
  return ['run', 'watch', 'dev', 'related'].includes(positional[0] ?? '')
    ? positional.slice(1)
    : positional;
}

async function startS3IfNeeded(): Promise<(() => void) | undefined> {
  if (process.env.TEST_S3_ENDPOINT) return undefined;
  if (!runNeedsS3(fileFilters(process.argv), process.env)) return undefined;
  if (spawnSync('sh', ['-c', 'command -v radosgw']).status !== 0) return undefined;
  const s3 = await startCephRgw();
  Object.assign(process.env, testS3Env(s3));
  return () => s3.stop();
}

async function startMongoIfNeeded(): Promise<(() => void) | undefined> {
  if (process.env.MONGODB_URL) return undefined;
  if (!runNeedsMongo(fileFilters(process.argv)) || !mongoWireAvailable()) return undefined;
  const mongo = await startMongoWire();
  console.log(`${MONGO_WIRE_LABEL} at ${mongo.url} (ready in ${mongo.startMs} ms)`);
  process.env.MONGODB_URL = mongo.url;
  return () => mongo.stop();
}

async function startRedisIfUnset(): Promise<(() => void) | undefined> {
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
