/**
 * The data plane's hook: `extraSettings` of the PostgreSQL starter. An instance whose spec has
 * `walArchive` (its Postgres has `spec.archiver.ref`) starts with archiving to that repository;
 * the scripts and the credentials file live in `<home>/pitr`, outside the data directory.
 */
import { join } from 'node:path';
import type { InstanceSpec } from '../../core/data-plane';
import { prepareWalArchiveSync } from './archive';
import type { RunAs } from './exec';

/** restic `--host` of a database's archive: `<namespace>.<name>`. */
export function archiveHost(namespace: string, database: string): string {
  return `${namespace}.${database}`;
}

export function walArchiveSettings(
  spec: InstanceSpec,
  ctx: { home: string; runAs?: RunAs },
): Record<string, string> {
  if (!spec.walArchive || spec.engine !== 'postgres') return {};
  return prepareWalArchiveSync({
    target: spec.walArchive,
    dir: join(ctx.home, 'pitr'),
    host: archiveHost(spec.namespace, spec.database),
    ...(ctx.runAs ? { runAs: ctx.runAs } : {}),
  });
}
