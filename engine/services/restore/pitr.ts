/**
 * Continuous archiving (PITR) of a database's backup policy, applied on its cluster: the
 * PostgresArchiver (as `kubedb-dbaas`, like the other policy objects) and the database's
 * `spec.archiver.ref` (as `kubedb-dbaas-pitr`, its own field manager, so that the database's own
 * apply and drift repair neither remove nor fight it). KubeDB then restarts the database with
 * archiving on and records the recoverable window in the `<db>-full` Snapshots.
 */
import type { BackupPolicy, Database } from '../../domain';
import { FIELD_MANAGER, type ClusterClient } from '../../kube';
import {
  ARCHIVER_API,
  PITR_FIELD_MANAGER,
  archiverKind,
  archiverName,
  buildArchiver,
  buildArchiverRef,
  supportsPitr,
} from '../../kubedb/archiver';
import type { KubeObject } from '../../kubedb/types';
import { assertPitrSupported } from './recovery';

type ArchivedDatabase = Pick<
  Database,
  'id' | 'name' | 'engine' | 'namespace' | 'domain' | 'project'
>;

/**
 * The objects a policy with `pitr: true` applies (422 naming the engine when there is no archiver
 * for it): the archiver, then the database's reference to it. None without `pitr`.
 */
export function pitrManifests(
  database: ArchivedDatabase,
  policy: Pick<BackupPolicy, 'schedule' | 'retentionDays' | 'retention' | 'paused' | 'pitr'>,
  storageName: string,
): KubeObject[] {
  if (!policy.pitr) return [];
  assertPitrSupported(database.engine);
  return [
    buildArchiver(database, {
      schedule: policy.schedule,
      retentionDays: policy.retentionDays,
      retention: policy.retention,
      storage: { name: storageName },
      paused: policy.paused,
    }),
    buildArchiverRef(database, true),
  ];
}

/**
 * Applies a policy's archiving: with `pitr` the archiver and the reference; without it (or with no
 * policy) the reference is removed and the archiver deleted. The archive in S3 stays.
 */
export async function applyPitr(
  client: ClusterClient,
  database: ArchivedDatabase,
  policy: Pick<BackupPolicy, 'schedule' | 'retentionDays' | 'retention' | 'paused' | 'pitr'> | null,
  storageName: string,
): Promise<void> {
  if (policy?.pitr) {
    const [archiver, ref] = pitrManifests(database, policy, storageName) as [
      KubeObject,
      KubeObject,
    ];
    await client.apply(archiver, { fieldManager: FIELD_MANAGER, force: true });
    await client.apply(ref, { fieldManager: PITR_FIELD_MANAGER, force: true });
    return;
  }
  await removePitr(client, database);
}

/** Removes the database's `spec.archiver.ref` (only what the PITR field manager set) and its archiver. */
export async function removePitr(client: ClusterClient, database: ArchivedDatabase): Promise<void> {
  if (!supportsPitr(database.engine)) return;
  const archiver = await client
    .get(ARCHIVER_API, archiverKind(database.engine), database.namespace, archiverName(database))
    .catch(() => null);
  const ref = buildArchiverRef(database, false);
  const live = await client.get(ref.apiVersion, ref.kind, database.namespace, database.name);
  const managers = (live?.metadata as { managedFields?: { manager?: string }[] } | undefined)
    ?.managedFields;
  // Applying nothing as the PITR field manager removes the fields it applied before, and only them
  // (a database it never touched is not written to).
  if (managers?.some((entry) => entry.manager === PITR_FIELD_MANAGER))
    await client.apply(ref, { fieldManager: PITR_FIELD_MANAGER, force: true });
  if (archiver)
    await client.delete(
      ARCHIVER_API,
      archiverKind(database.engine),
      database.namespace,
      archiverName(database),
    );
}
