/**
 * PostgreSQL from Debian (the major of `spec.version` when installed, else the newest; see
 * postgres-versions.ts): `initdb` once (the auth secret's user as superuser, scram over TCP,
 * trust on the private unix socket), then `postgres` directly (not pg_ctl). As root, both run as the
 * `postgres` user, which owns the data directory. `extraSettings` is the hook for more `-c` settings
 * (WAL archiving for PITR). With `ctx.primary` the instance is a streaming standby of that primary
 * (postgres-standby.ts).
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { InstanceSpec } from '../core/data-plane';
import { commandError, mib, pgString, type EngineStarter, type InstanceContext } from './engine';
import {
  choosePostgres,
  installedPostgres,
  PG_ROOT,
  type PostgresInstall,
} from './postgres-versions';
import { commandVersion, run } from './process';
import { baseBackup, standbySettings, streaming } from './postgres-standby';

export interface PostgresStarterOptions {
  /** One fixed folder of initdb/postgres/pg_isready/psql (then `root` is not scanned). */
  binDir?: string;
  /** Where the majors are looked for (`<root>/<major>/bin`). Default /usr/lib/postgresql. */
  root?: string;
  /**
   * More `-c name=value` settings for an instance, read at every start (e.g. `archive_mode`,
   * `archive_command` when `spec.walArchive` is set). Values win over the defaults here.
   */
  extraSettings?: (spec: InstanceSpec, ctx: InstanceContext) => Record<string, string>;
}

const versions = new Map<string, string>();

function own(path: string, ctx: InstanceContext): void {
  if (ctx.runAs) chownSync(path, ctx.runAs.uid, ctx.runAs.gid);
}

/**
 * When the server runs as another user (`postgres`, since PostgreSQL refuses root), every folder
 * above its data dir must let that user pass through: a work dir under a `mkdtemp` folder (0700)
 * would otherwise fail initdb with "Permission denied". Adds only the search bit (o+x), never read.
 */
function makeTraversable(path: string, ctx: InstanceContext): void {
  if (!ctx.runAs) return;
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  }
}

/** The PostgreSQL starter. */
export function postgresStarter(options: PostgresStarterOptions = {}): EngineStarter {
  const installs: PostgresInstall[] = options.binDir
    ? [{ major: 0, binDir: options.binDir }]
    : installedPostgres(options.root ?? PG_ROOT);
  const binOf = (spec: InstanceSpec, dataDir?: string): string =>
    choosePostgres(spec.version, installs, dataDir)?.binDir ?? join(PG_ROOT, 'none', 'bin');
  const tool = (ctx: InstanceContext, name: string): string => {
    const path = join(binOf(ctx.spec, ctx.dataDir), name);
    return existsSync(path) ? path : `/usr/bin/${name}`;
  };
  const psql = async (ctx: InstanceContext, sql: string, what: string): Promise<void> => {
    const result = await run(
      tool(ctx, 'psql'),
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', ctx.socket, '-p', String(ctx.port)].concat([
        '-U',
        ctx.spec.user,
        '-d',
        'postgres',
        '-f',
        '-',
      ]),
      { input: sql, timeoutMs: 120_000 },
    );
    if (result.code !== 0) throw commandError(what, result);
  };
  return {
    engine: 'postgres',
    binary: join(installs[0]?.binDir ?? join(PG_ROOT, 'none', 'bin'), 'postgres'),
    containerPort: 5432,
    stopSignal: 'SIGINT', // fast shutdown
    socketIsDir: true,
    needsUser: 'postgres',
    machineVersion(spec, dataDir) {
      const server = join(spec ? binOf(spec, dataDir) : (installs[0]?.binDir ?? ''), 'postgres');
      let version = versions.get(server);
      if (version === undefined) {
        version = commandVersion(server, ['--version']);
        versions.set(server, version);
      }
      return version;
    },
    async initialize(ctx) {
      mkdirSync(ctx.dataDir, { recursive: true, mode: 0o700 });
      chmodSync(ctx.dataDir, 0o700);
      own(ctx.dataDir, ctx);
      makeTraversable(ctx.dataDir, ctx);
      makeTraversable(join(ctx.home, 'x'), ctx);
      if (ctx.primary) {
        await baseBackup(tool(ctx, 'pg_basebackup'), ctx, ctx.primary);
        return true;
      }
      const pwfile = join(ctx.home, 'initdb.pw');
      writeFileSync(pwfile, `${ctx.spec.password}\n`, { mode: 0o600 });
      own(pwfile, ctx);
      try {
        const result = await run(
          tool(ctx, 'initdb'),
          ['-D', ctx.dataDir, '-U', ctx.spec.user, `--pwfile=${pwfile}`, '-E', 'UTF8'].concat([
            '--no-locale',
            '--auth-host=scram-sha-256',
            '--auth-local=trust',
            '--no-sync',
            '--no-instructions',
          ]),
          { timeoutMs: 120_000, ...(ctx.runAs ? { runAs: ctx.runAs } : {}) },
        );
        if (result.code !== 0) throw commandError('initdb', result);
      } finally {
        rmSync(pwfile, { force: true });
      }
      return true;
    },
    command(ctx) {
      const settings: Record<string, string> = {
        listen_addresses: '127.0.0.1',
        port: String(ctx.port),
        unix_socket_directories: ctx.socket,
        shared_buffers: `${mib(ctx.spec.memoryLimitBytes, 0.25, 16, 64)}MB`,
        max_connections: '50',
        huge_pages: 'off',
        logging_collector: 'off',
        password_encryption: 'scram-sha-256',
        ...options.extraSettings?.(ctx.spec, ctx),
        ...(ctx.primary ? standbySettings(ctx, ctx.primary) : {}),
      };
      const args = ['-D', ctx.dataDir];
      for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
      return { command: join(binOf(ctx.spec, ctx.dataDir), 'postgres'), args };
    },
    async probe(ctx) {
      const result = await run(
        tool(ctx, 'pg_isready'),
        ['-q', '-h', ctx.socket, '-p', String(ctx.port)],
        {
          timeoutMs: 5000,
        },
      );
      if (result.code !== 0 || !ctx.primary) return result.code === 0;
      return streaming(tool(ctx, 'psql'), ctx, ctx.primary.user);
    },
    async configure(ctx) {
      const role = `"${ctx.spec.user.replace(/"/g, '""')}"`;
      await psql(
        ctx,
        `ALTER ROLE ${role} WITH SUPERUSER LOGIN PASSWORD ${pgString(ctx.spec.password)};\n`,
        'setting the superuser password',
      );
    },
    async runInitScripts(ctx, scripts) {
      for (const [index, script] of scripts.entries())
        await psql(ctx, script, `init script ${index + 1}`);
    },
  };
}
