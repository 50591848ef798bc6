import { z } from 'zod';
import { BackupPolicySchema, CreateBackupStorageRequestSchema } from '../../domain';
import type { Services } from '../../services';
import type { Grant } from '../../services/auth/access';
import type {
  BackupListResponse,
  BackupStorageResponse,
  StorageTestResponse,
} from '../contracts-backup';
import { defineRoute, DryRunQuerySchema, IdParamsSchema, type RouteSpec } from '../route-table';

/**
 * `/api/v1/backup-storages` (admins: storages hold keys to every backup) and a database's
 * `backup-policy` and `backups` (as database changes: operators in the database's scope).
 */
export function backupRoutes(services: Services): RouteSpec[] {
  const { storages, policies, backups } = services.backups;
  /** A storage as the caller may see it: `usedBy` names only databases visible to them. */
  const scoped = async (
    storage: BackupStorageResponse,
    grant: Grant,
  ): Promise<BackupStorageResponse> => {
    if (grant.visibleScopes() === undefined) return storage;
    const seen = await Promise.all(
      storage.usedBy.map((u) =>
        services.databases.get(u.databaseId, grant).then(
          () => true,
          () => false,
        ),
      ),
    );
    return { ...storage, usedBy: storage.usedBy.filter((_, i) => seen[i]) };
  };
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/backup-storages',
      permission: 'providers:write',
      summary: 'Add an S3 backup storage (keys to the vault, never echoed)',
      body: z.unknown(),
      docs: { body: CreateBackupStorageRequestSchema },
      query: DryRunQuerySchema,
      status: 201,
      dryRun: true,
      handler: ({ body, query, grant }): Promise<BackupStorageResponse> =>
        storages.create(body, { dryRun: query.dryRun, actor: grant.actor, grant }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/backup-storages',
      permission: 'providers:read',
      summary: 'List backup storages (never their keys)',
      handler: async ({ grant }) => ({
        items: await Promise.all((await storages.list()).items.map((i) => scoped(i, grant))),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/backup-storages/:id',
      permission: 'providers:read',
      summary: 'One backup storage with the clusters it is on and the databases using it',
      params: IdParamsSchema,
      handler: async ({ params, grant }): Promise<BackupStorageResponse> =>
        scoped(await storages.get(params.id), grant),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/backup-storages/:id',
      permission: 'providers:write',
      summary: 'Change a backup storage (new keys replace the vault entry; clusters follow)',
      params: IdParamsSchema,
      body: z.unknown(),
      query: DryRunQuerySchema,
      dryRun: true,
      handler: ({ params, body, query, grant }): Promise<BackupStorageResponse> =>
        storages.update(params.id, body, { dryRun: query.dryRun, actor: grant.actor, grant }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/backup-storages/:id',
      permission: 'providers:write',
      summary: 'Remove a backup storage (409 naming the databases whose policy uses it)',
      params: IdParamsSchema,
      query: DryRunQuerySchema,
      status: 204,
      dryRun: true,
      handler: async ({ params, query, grant, reply }) => {
        await storages.delete(params.id, { dryRun: query.dryRun, actor: grant.actor, grant });
        return query.dryRun ? { dryRun: true } : reply.status(204).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/backup-storages/:id/test',
      permission: 'providers:write',
      summary: 'Check reach, credentials, bucket and a probe object write/read/delete',
      params: IdParamsSchema,
      handler: ({ params }): Promise<StorageTestResponse> => storages.test(params.id),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/v1/databases/:id/backup-policy',
      permission: 'databases:write',
      summary: 'Set the scheduled-backup policy (BackupConfiguration + RetentionPolicy)',
      params: IdParamsSchema,
      body: z.unknown(),
      docs: { body: BackupPolicySchema },
      query: DryRunQuerySchema,
      dryRun: true,
      handler: ({ params, body, query, grant }) =>
        policies.put(params.id, body, { dryRun: query.dryRun, actor: grant.actor, grant }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id/backup-policy',
      permission: 'databases:read',
      summary: 'The backup policy with its next run and the recovery objectives',
      params: IdParamsSchema,
      handler: ({ params, grant }) => policies.get(params.id, grant),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/databases/:id/backup-policy',
      permission: 'databases:write',
      summary: 'Remove the backup policy (the BackupConfiguration; snapshots stay)',
      params: IdParamsSchema,
      query: DryRunQuerySchema,
      status: 204,
      dryRun: true,
      handler: async ({ params, query, grant, reply }) => {
        await policies.delete(params.id, { dryRun: query.dryRun, actor: grant.actor, grant });
        return query.dryRun ? { dryRun: true } : reply.status(204).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/databases/:id/backups',
      permission: 'databases:write',
      summary: 'Take a backup now (202 with the operation)',
      params: IdParamsSchema,
      query: DryRunQuerySchema,
      status: 202,
      dryRun: true,
      handler: async ({ params, query, grant }) => {
        const result = await backups.start(params.id, {
          dryRun: query.dryRun,
          actor: grant.actor,
          grant,
        });
        return 'dryRun' in result ? result : { operation: result };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/databases/:id/backups',
      permission: 'databases:read',
      summary: 'Backups (sessions with their snapshots), newest first, from the watch caches',
      params: IdParamsSchema,
      handler: ({ params, grant }): Promise<BackupListResponse> => backups.list(params.id, grant),
    }),
  ];
}
