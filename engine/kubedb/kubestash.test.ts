import { describe, expect, it } from 'vitest';
import { database, get, loadCrdValidator } from './conformance/crd-validator';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import {
  BACKUP_SESSION_NAME,
  buildBackupConfiguration,
  buildBackupSession,
  buildBackupStorage,
  buildRestoreSession,
  buildRetentionPolicy,
} from './index';

const validate = loadCrdValidator(crdsDirForTests());

describe('KubeStash objects', () => {
  const db = database('postgres', 'cluster');
  const storage = {
    id: 'st-1',
    name: 'offsite',
    type: 's3' as const,
    bucket: 'acme-backups',
    endpoint: 'https://s3.eu-central-1.amazonaws.com',
    region: 'eu-central-1',
    prefix: 'kubedb',
    vaultRef: 'backup-storage/st-1',
    revision: 1,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };

  it('validates every KubeStash object against its CRD', () => {
    const objects = [
      buildBackupStorage(storage, db.namespace),
      buildRetentionPolicy(30, db.namespace),
      buildBackupConfiguration(db, { schedule: '0 2 * * *', retentionDays: 30, storage }),
      buildBackupSession(db, {
        operationId: 'op-1',
        unixSeconds: 1767225600,
        backupConfigurationUid: 'uid-1',
      }),
      buildRestoreSession(db, { ...db, name: 'orders-copy' }, { operationId: 'op-2' }),
    ];
    for (const object of objects) expect(validate(object), object.kind).toBe('');
  });

  it('fills the fields KubeStash reads', () => {
    expect(get(buildBackupStorage(storage, db.namespace), 'spec.storage')).toEqual({
      provider: 's3',
      s3: {
        endpoint: storage.endpoint,
        bucket: 'acme-backups',
        region: 'eu-central-1',
        prefix: 'kubedb',
        secretName: 'dbaas-offsite-s3',
      },
    });
    expect(get(buildRetentionPolicy(14, db.namespace), 'spec.maxRetentionPeriod')).toBe('14d');
    const configuration = buildBackupConfiguration(db, {
      schedule: '0 2 * * *',
      retentionDays: 14,
      storage,
    });
    expect(configuration.spec).toMatchObject({
      target: {
        apiGroup: 'kubedb.com',
        kind: 'Postgres',
        name: 'postgres-db',
        namespace: 'acme-shop',
      },
      backends: [
        {
          name: 's3',
          storageRef: { name: 'dbaas-offsite' },
          retentionPolicy: { name: 'dbaas-keep-14d' },
        },
      ],
      sessions: [
        {
          name: BACKUP_SESSION_NAME,
          scheduler: { schedule: '0 2 * * *' },
          repositories: [
            {
              name: 'postgres-db-repo',
              backend: 's3',
              encryptionSecret: { name: 'postgres-db-backup-enc' },
            },
          ],
          addon: { name: 'postgres-addon', tasks: [{ name: 'logical-backup' }] },
        },
      ],
    });
    const session = buildBackupSession(db, { operationId: 'op-1', unixSeconds: 1767225600 });
    expect(session.metadata.name).toBe('postgres-db-backup-scheduled-1767225600');
    expect(session.spec).toEqual({
      invoker: {
        apiGroup: 'core.kubestash.com',
        kind: 'BackupConfiguration',
        name: 'postgres-db-backup',
      },
      session: 'scheduled',
    });
    const restore = buildRestoreSession(
      db,
      { ...db, name: 'orders-copy' },
      { operationId: 'op-2', snapshot: 'snap-1' },
    );
    expect(restore.spec).toMatchObject({
      target: { kind: 'Postgres', name: 'orders-copy' },
      dataSource: { repository: 'postgres-db-repo', snapshot: 'snap-1' },
      addon: { name: 'postgres-addon', tasks: [{ name: 'logical-backup-restore' }] },
    });
  });
});
