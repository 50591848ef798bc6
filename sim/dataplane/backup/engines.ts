/**
 * Logical dumps and restores of real database processes, as KubeStash's addons do them:
 * PostgreSQL `pg_dumpall --clean --if-exists` into `psql`; MariaDB (also the MySQL kind)
 * `mariadb-dump --databases <every user database> --add-drop-database` into `mariadb`; Redis an RDB
 * snapshot (`redis-cli --rdb -`), restored by replacing the RDB file and restarting the process.
 *
 * MariaDB's system schemas (`mysql`, `sys`, ...) are not dumped: restoring them would replace the
 * target's own accounts (its `<name>-auth` secret) with the source's. PostgreSQL's dump does carry
 * the roles; after a restore the target's own user gets its own password back.
 */
import { createReadStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { InstanceInfo, RealEngine } from '../../core/data-plane';
import { childFailure, runChild, startChild, type ChildOptions } from './process';

/** The file name of the dump inside the restic snapshot, per engine. */
export const DUMP_FILE: Record<RealEngine, string> = {
  postgres: 'dumpall.sql',
  mariadb: 'dump.sql',
  redis: 'dump.rdb',
};

const SYSTEM_SCHEMAS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

export interface DumpStream {
  stream: Readable;
  /** Resolves when the dump has exited: `ok` only when it finished successfully. */
  done: Promise<{ ok: boolean; message?: string }>;
  filename: string;
  kill: () => void;
}

export interface EngineIo {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Where temporary files may go (the Redis restore writes the RDB beside the data dir). */
  tmpDir?: string;
}

/** A PostgreSQL client binary of the machine's newest installed major, else from PATH. */
function pgBin(name: string): string {
  for (const major of ['17', '16', '15', '14', '13']) {
    const path = `/usr/lib/postgresql/${major}/bin/${name}`;
    if (existsSync(path)) return path;
  }
  return name;
}

function options(instance: InstanceInfo, io: EngineIo): ChildOptions {
  const env: Record<string, string> =
    instance.engine === 'postgres'
      ? { PGPASSWORD: instance.password, PGCONNECT_TIMEOUT: '10' }
      : instance.engine === 'mariadb'
        ? { MYSQL_PWD: instance.password }
        : { REDISCLI_AUTH: instance.password };
  return {
    env,
    secrets: [instance.password],
    timeoutMs: io.timeoutMs,
    ...(io.signal ? { signal: io.signal } : {}),
  };
}

function pgArgs(instance: InstanceInfo): string[] {
  return ['-h', instance.host, '-p', String(instance.port), '-U', instance.user];
}

function myArgs(instance: InstanceInfo): string[] {
  return ['-h', instance.host, '-P', String(instance.port), '-u', instance.user, '--protocol=TCP'];
}

function redisArgs(instance: InstanceInfo): string[] {
  return ['-h', instance.host, '-p', String(instance.port)];
}

/** The user databases of a MariaDB server. */
export async function mariadbDatabases(instance: InstanceInfo, io: EngineIo): Promise<string[]> {
  const out = await runChild(
    'mariadb',
    [...myArgs(instance), '-N', '-B', '-e', 'SHOW DATABASES'],
    options(instance, io),
  );
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !SYSTEM_SCHEMAS.has(l.toLowerCase()));
}

/** Starts the dump of a running instance; its stdout is the dump. */
export async function startDump(instance: InstanceInfo, io: EngineIo): Promise<DumpStream> {
  const opts = options(instance, io);
  let command: string;
  let args: string[];
  if (instance.engine === 'postgres') {
    command = pgBin('pg_dumpall');
    args = [...pgArgs(instance), '--clean', '--if-exists', '--no-password'];
  } else if (instance.engine === 'mariadb') {
    const databases = await mariadbDatabases(instance, io);
    command = 'mariadb-dump';
    args = databases.length
      ? [
          ...myArgs(instance),
          '--single-transaction',
          '--routines',
          '--events',
          '--triggers',
          '--add-drop-database',
          '--databases',
          ...databases,
        ]
      : [];
    // No user database: an empty but valid dump.
    if (!databases.length) command = 'true';
  } else {
    return redisDump(instance, io);
  }
  const run = startChild(command, args, opts);
  run.child.stdin?.end();
  const name = command.split('/').pop() ?? command;
  const done = run.exited.then(({ code, signal }) =>
    code === 0
      ? { ok: true }
      : { ok: false, message: childFailure(name, run, code, signal).message },
  );
  const stream = run.child.stdout;
  if (!stream) throw new Error(`${name} has no stdout`);
  return { stream, done, filename: DUMP_FILE[instance.engine], kill: run.kill };
}

/**
 * Redis: `redis-cli --rdb` into a temporary file, then that file. (Written to stdout, a diskless
 * transfer keeps its 40-byte EOF mark after the RDB, which Redis refuses as an AOF base.)
 */
async function redisDump(instance: InstanceInfo, io: EngineIo): Promise<DumpStream> {
  const tmp = join(
    io.tmpDir ?? tmpdir(),
    `rdb-${instance.namespace}-${instance.pod}-${Date.now()}.rdb`,
  );
  try {
    await runChild('redis-cli', [...redisArgs(instance), '--rdb', tmp], options(instance, io));
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  const stream = createReadStream(tmp);
  const done = new Promise<{ ok: boolean; message?: string }>((resolve) => {
    stream.on('error', (error) => resolve({ ok: false, message: error.message }));
    stream.on('end', () => resolve({ ok: true }));
  });
  stream.on('close', () => void rm(tmp, { force: true }));
  return { stream, done, filename: DUMP_FILE.redis, kill: () => stream.destroy() };
}

function ident(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** A running restore consumer: write the dump to `stdin`, then `finish()`. */
export interface RestoreSink {
  stdin: NodeJS.WritableStream;
  /** Ends the input (after the dump) and waits for the consumer; throws when it failed. */
  finish: () => Promise<void>;
  /** Kills the consumer (the dump could not be read). */
  abort: () => void;
}

/** Starts `psql` or `mariadb` reading a dump into a running SQL instance. */
export function startSqlRestore(instance: InstanceInfo, io: EngineIo): RestoreSink {
  const opts = options(instance, io);
  const postgres = instance.engine === 'postgres';
  const command = postgres ? pgBin('psql') : 'mariadb';
  const args = postgres
    ? [...pgArgs(instance), '-d', 'postgres', '-q', '-X', '--no-password', '-v', 'ON_ERROR_STOP=0']
    : [...myArgs(instance)];
  const run = startChild(command, args, opts);
  run.child.stdout?.resume();
  const input = run.child.stdin;
  if (!input) throw new Error(`${command} has no stdin`);
  // The dump may carry the source's password for this user: the target keeps its own (psql
  // re-authenticates at every `\connect` of the dump with the target's password).
  const stdin = postgres ? keepOwnPassword(instance.user, input) : input;
  return {
    stdin,
    abort: run.kill,
    finish: async () => {
      stdin.end();
      const { code, signal } = await run.exited;
      if (code !== 0) throw childFailure(command.split('/').pop() ?? command, run, code, signal);
    },
  };
}

/** Drops the PASSWORD clause of `ALTER ROLE <user> WITH ...;` lines of a pg_dumpall stream. */
export function keepOwnPassword(user: string, out: NodeJS.WritableStream): Transform {
  const names = new Set([user, ident(user)]);
  let rest = '';
  const rewrite = (line: string): string => {
    const match = /^ALTER ROLE (\S+) WITH (.*) PASSWORD '(?:[^']|'')*'(.*);$/.exec(line);
    return match && names.has(match[1] ?? '')
      ? `ALTER ROLE ${match[1]} WITH ${match[2]}${match[3]};`
      : line;
  };
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const text = rest + chunk.toString('utf8');
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        rest = text;
        return callback();
      }
      rest = text.slice(cut + 1);
      callback(
        null,
        text
          .slice(0, cut + 1)
          .split('\n')
          .map(rewrite)
          .join('\n'),
      );
    },
    flush(callback) {
      callback(null, rewrite(rest));
    },
  });
  transform.pipe(out);
  return transform;
}

/** How the Redis restore stops and starts the process (the DataPlane does it). */
export interface RedisRestart {
  stop: () => Promise<void>;
  start: () => Promise<InstanceInfo>;
}

async function redisConfig(instance: InstanceInfo, io: EngineIo, key: string): Promise<string> {
  const out = await runChild(
    'redis-cli',
    [...redisArgs(instance), '--no-auth-warning', 'CONFIG', 'GET', key],
    options(instance, io),
  );
  return out.split('\n')[1]?.trim() ?? '';
}

/**
 * Restores a Redis RDB: `write(path)` writes the snapshot's RDB to `path` (beside the live one),
 * then the process is stopped, the file moved in place (and an AOF removed, so that the RDB is
 * what loads), and the process started again.
 */
export async function restoreRedis(
  instance: InstanceInfo,
  io: EngineIo,
  restart: RedisRestart,
  write: (path: string) => Promise<void>,
): Promise<InstanceInfo> {
  const dir = (await redisConfig(instance, io, 'dir')) || instance.dataDir;
  const file = (await redisConfig(instance, io, 'dbfilename')) || 'dump.rdb';
  const aof = (await redisConfig(instance, io, 'appendonly')) === 'yes';
  const aofDir = aof ? (await redisConfig(instance, io, 'appenddirname')) || 'appendonlydir' : '';
  const aofName = aof
    ? (await redisConfig(instance, io, 'appendfilename')) || 'appendonly.aof'
    : '';
  const staged = join(dir, `${file}.restore-${Date.now()}`);
  try {
    await write(staged);
    await restart.stop();
    if (aof) {
      // With append-only persistence Redis loads the AOF, not dump.rdb: the snapshot becomes the
      // base of a fresh multi-part AOF (an RDB-format base file and its manifest).
      const aofPath = join(dir, aofDir);
      await rm(aofPath, { recursive: true, force: true });
      await mkdir(aofPath, { recursive: true });
      await copyFile(staged, join(aofPath, `${aofName}.1.base.rdb`));
      await writeFile(
        join(aofPath, `${aofName}.manifest`),
        `file ${aofName}.1.base.rdb seq 1 type b\n`,
      );
    }
    await rename(staged, join(dir, file));
  } catch (error) {
    await rm(staged, { force: true });
    throw error;
  }
  return restart.start();
}
