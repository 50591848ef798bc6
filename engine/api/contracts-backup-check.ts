/** Compile-time check: the services' backup shapes (engine/domain/backup-views.ts) are the wire types. */
import type * as Domain from '../domain/backup-views';
import type * as Wire from './contracts-backup';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type BackupShapesMatch = [
  Assert<Same<Domain.BackupStorageResponse, Wire.BackupStorageResponse>>,
  Assert<Same<Domain.StorageTestResponse, Wire.StorageTestResponse>>,
  Assert<Same<Domain.BackupPolicyResponse, Wire.BackupPolicyResponse>>,
  Assert<Same<Domain.BackupItem, Wire.BackupItem>>,
  Assert<Same<Domain.BackupListResponse, Wire.BackupListResponse>>,
];
