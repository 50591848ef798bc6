/**
 * A PostgreSQL streaming standby of a running primary: `pg_basebackup` over TCP as the primary's
 * auth user (a superuser; the `pg_hba.conf` that initdb writes allows replication from 127.0.0.1
 * with scram), then `standby.signal` and a `primary_conninfo` that names a passfile, so that the
 * password is on no command line. `hot_standby` serves read-only queries. The standby is ready once
 * its WAL receiver streams.
 */
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandError, type InstanceContext } from './engine';
import { run } from './process';

type Primary = NonNullable<InstanceContext['primary']>;

function own(path: string, ctx: InstanceContext): void {
  if (ctx.runAs) chownSync(path, ctx.runAs.uid, ctx.runAs.gid);
}

/** Copies the running primary into the (empty) data directory and marks it a standby. */
export async function baseBackup(
  pgBasebackup: string,
  ctx: InstanceContext,
  primary: Primary,
): Promise<void> {
  const result = await run(
    pgBasebackup,
    ['-h', primary.host, '-p', String(primary.port), '-U', primary.user, '-D', ctx.dataDir].concat([
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
      '-w',
    ]),
    {
      env: { PGPASSWORD: primary.password },
      timeoutMs: 300_000,
      dieWithParent: true,
      ...(ctx.runAs ? { runAs: ctx.runAs } : {}),
    },
  );
  if (result.code !== 0) throw commandError('pg_basebackup', result);
  const signal = join(ctx.dataDir, 'standby.signal');
  writeFileSync(signal, '', { mode: 0o600 });
  own(signal, ctx);
}

/** A `.pgpass` field (`:` and `\` escaped). */
function passField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

/** A libpq connection-string value, quoted. */
function connValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The settings of a standby, read at every start (the primary's port may change between starts).
 * Writes the passfile the connection string names.
 */
export function standbySettings(ctx: InstanceContext, primary: Primary): Record<string, string> {
  const passfile = join(ctx.home, 'standby.pgpass');
  const line = [primary.host, String(primary.port), '*', primary.user, primary.password]
    .map(passField)
    .join(':');
  writeFileSync(passfile, `${line}\n`, { mode: 0o600 });
  own(passfile, ctx);
  const conninfo = {
    host: primary.host,
    port: String(primary.port),
    user: primary.user,
    passfile,
    application_name: ctx.spec.pod,
  };
  return {
    primary_conninfo: Object.entries(conninfo)
      .map(([key, value]) => `${key}=${connValue(value)}`)
      .join(' '),
    hot_standby: 'on',
  };
}

/** Whether the standby's WAL receiver streams from its primary (asked over the local socket). */
export async function streaming(
  psql: string,
  ctx: InstanceContext,
  user: string,
): Promise<boolean> {
  const result = await run(
    psql,
    ['-X', '-At', '-h', ctx.socket, '-p', String(ctx.port), '-U', user, '-d', 'postgres'].concat([
      '-c',
      'SELECT status FROM pg_stat_wal_receiver',
    ]),
    { timeoutMs: 5000 },
  );
  return result.code === 0 && result.stdout.trim() === 'streaming';
}
