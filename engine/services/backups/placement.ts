/**
 * A database's repository made reachable from another cluster, for a restore there: the source's
 * backup storage (BackupStorage + S3 Secret, keys from the vault) and the restic encryption Secret
 * `<db>-backup-enc` (password from the vault) are applied on that cluster in the source's
 * namespace, where KubeStash syncs the Repository and its Snapshots from the bucket.
 */
import { EngineError } from '../../base/errors';
import type { BackupStorage, Database } from '../../domain';
import { FIELD_MANAGER } from '../../kube';
import { buildBackupStorage, buildEncryptionSecret, buildS3Secret } from '../../kubedb/kubestash';
import type { KubeObject } from '../../kubedb/types';
import type { ServiceContext } from '../context';
import { specOf } from '../databases';
import type { ProviderService } from '../providers';
import type { BackupStorageService } from './index';

const REDACTED = '(from the vault)';

function namespaceObject(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'kubedb-dbaas' } },
  };
}

/** The objects a placement applies, with the secrets' values redacted (a dry run's preview). */
export function placementPreview(storage: BackupStorage, source: Database): KubeObject[] {
  return [
    namespaceObject(source.namespace),
    buildS3Secret(storage, source.namespace, {
      accessKeyId: REDACTED,
      secretAccessKey: REDACTED,
    }),
    buildBackupStorage(storage, source.namespace),
    buildEncryptionSecret(specOf(source), REDACTED),
  ];
}

/** The storage a source's repository lives in, or a 422 naming `target.providerId`. */
export function storageIdOf(source: Database): string {
  const id = source.backup?.storageId;
  if (!id) {
    const message = `database ${source.name} has no backup policy naming its backup storage, so its repository cannot be reached from another cluster`;
    throw new EngineError('UNPROCESSABLE', message, {
      details: [{ path: 'target.providerId', rule: 'backup-storage', message }],
    });
  }
  return id;
}

/** Applies the placement of `sourceId`'s repository on `providerId` (idempotent). */
export async function placeRepository(
  context: ServiceContext,
  providers: ProviderService,
  storages: BackupStorageService,
  sourceId: string,
  providerId: string,
): Promise<void> {
  const source = await context.store.databases.get(sourceId);
  const storageId = storageIdOf(source);
  const client = await providers.clientFor(await context.store.providers.get(providerId));
  const apply = { fieldManager: FIELD_MANAGER, force: true };
  await client.apply(namespaceObject(source.namespace), apply);
  await storages.materialize(storageId, providerId, source.namespace);
  const ref = { kind: 'database-credentials' as const, id: `${source.id}.restic` };
  const password = await context.vault.get(ref).catch(() => {
    throw new EngineError(
      'UNPROCESSABLE',
      `the restic password of database ${source.name} is not in the vault; its repository cannot be opened on another cluster`,
      { terminal: true },
    );
  });
  await client.apply(buildEncryptionSecret(specOf(source), password), apply);
}
