/**
 * The console's calls of the Backups API (API.md "Backups"). The wire types come from
 * engine/api/contracts-backup.ts; only the request bodies the console builds are named here.
 */
import type { ApiClient } from '../../../shared/api/client';
import type {
  BackupCleanupResponse,
  BackupEstateResponse,
  BackupListResponse,
  BackupPolicyResponse,
  BackupRetention,
  BackupStartedResponse,
  BackupStorageResponse,
  DryRunResponse,
  ListResponse,
  RestoreDrillResponse,
  RestoreStartedResponse,
  StorageTestResponse,
} from '../../../../engine/api/contracts';

export type {
  BackupCleanupResponse,
  BackupEstateResponse,
  BackupItem,
  BackupListResponse,
  BackupPolicyResponse,
  BackupRetention,
  BackupStartedResponse,
  BackupStorageResponse,
  DrillRun,
  EstateObject,
  RestoreDrillResponse,
  RestoreStartedResponse,
  StorageCheck,
  StorageTestResponse,
} from '../../../../engine/api/contracts';

/** `PUT /databases/:id/backup-policy`. */
export interface BackupPolicyRequest {
  storageId: string;
  schedule: string;
  retentionDays?: number;
  retention?: BackupRetention;
  pitr?: boolean;
  paused?: boolean;
}

/** `POST /backup-storages`: the keys are sent once and never shown again. */
export interface BackupStorageRequest {
  name: string;
  type: 's3';
  bucket: string;
  endpoint: string;
  region: string;
  prefix?: string;
  forcePathStyle?: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  retentionDays?: number;
}

/** `POST /databases/:id/restore`. */
export interface RestoreRequest {
  backupId?: string;
  pitr?: { targetTime: string };
  target:
    { inPlace: true; replace: true } | { newName: string; project?: string; providerId?: string };
}

/** `POST /backup-estate/cleanup`: which orphan Snapshot or Repository to delete. */
export interface BackupCleanupRequest {
  providerId: string;
  namespace: string;
  kind: 'Snapshot' | 'Repository';
  name: string;
}

/** `POST /restore-drills`: a database or a project (exactly one), a cron schedule, the check. */
export interface RestoreDrillRequest {
  databaseId?: string;
  project?: string;
  schedule: string;
  verify?: { sql?: string; command?: string };
}

const enc = encodeURIComponent;
const db = (id: string): string => `/api/v1/databases/${enc(id)}`;

/** Typed calls over any ApiClient (HTTP or IPC). */
export function backupsApi(client: ApiClient) {
  return {
    storages: () =>
      client.request<ListResponse<BackupStorageResponse>>('GET', '/api/v1/backup-storages'),
    createStorage: (body: BackupStorageRequest) =>
      client.request<BackupStorageResponse>('POST', '/api/v1/backup-storages', body),
    testStorage: (id: string) =>
      client.request<StorageTestResponse>('POST', `/api/v1/backup-storages/${enc(id)}/test`),
    deleteStorage: (id: string) =>
      client.request<null>('DELETE', `/api/v1/backup-storages/${enc(id)}`),
    policy: (databaseId: string) =>
      client.request<BackupPolicyResponse>('GET', `${db(databaseId)}/backup-policy`),
    putPolicy: (databaseId: string, body: BackupPolicyRequest) =>
      client.request<BackupPolicyResponse>('PUT', `${db(databaseId)}/backup-policy`, body),
    backups: (databaseId: string) =>
      client.request<BackupListResponse>('GET', `${db(databaseId)}/backups`),
    backUpNow: (databaseId: string) =>
      client.request<BackupStartedResponse>('POST', `${db(databaseId)}/backups`),
    restore: (databaseId: string, body: RestoreRequest) =>
      client.request<RestoreStartedResponse>('POST', `${db(databaseId)}/restore`, body),
    previewRestore: (databaseId: string, body: RestoreRequest) =>
      client.request<DryRunResponse>('POST', `${db(databaseId)}/restore?dryRun=true`, body),
    estate: (providerId?: string) =>
      client.request<BackupEstateResponse>(
        'GET',
        `/api/v1/backup-estate${providerId ? `?providerId=${enc(providerId)}` : ''}`,
      ),
    cleanup: (body: BackupCleanupRequest, dryRun: boolean) =>
      client.request<BackupCleanupResponse>(
        'POST',
        `/api/v1/backup-estate/cleanup${dryRun ? '?dryRun=true' : ''}`,
        body,
      ),
    drills: () =>
      client.request<ListResponse<RestoreDrillResponse>>('GET', '/api/v1/restore-drills'),
    createDrill: (body: RestoreDrillRequest) =>
      client.request<RestoreDrillResponse>('POST', '/api/v1/restore-drills', body),
  };
}

export type BackupsApi = ReturnType<typeof backupsApi>;
