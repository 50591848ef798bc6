import { z } from 'zod';
import {
  DATABASE_NAME_MAX_LENGTH,
  IdSchema,
  IsoTimeSchema,
  RecordMetaShape,
  dnsLabelSchema,
} from './common';
import { LIMITS } from './limits';

const CRON_FIELD = /^[0-9A-Za-z*?/,-]+$/;

/** A five-field cron expression (minute hour day-of-month month day-of-week), as KubeStash takes. */
export const CronScheduleSchema = z.string({ error: 'schedule must be a string' }).refine(
  (value) => {
    const fields = value.trim().split(/\s+/);
    return fields.length === 5 && fields.every((field) => CRON_FIELD.test(field));
  },
  { error: 'schedule must be a five-field cron expression such as "0 2 * * *"' },
);

function keepCount(field: string) {
  return z
    .number({ error: `retention.${field} must be a number` })
    .int({ error: `retention.${field} must be an integer` })
    .min(1, { error: `retention.${field} must be at least 1` })
    .max(LIMITS.backupRetentionDays.max, {
      error: `retention.${field} must be at most ${LIMITS.backupRetentionDays.max}`,
    })
    .optional();
}

/** restic/KubeStash keep-* retention; at least one count. */
export const BackupRetentionSchema = z
  .strictObject(
    {
      keepLast: keepCount('keepLast'),
      keepDaily: keepCount('keepDaily'),
      keepWeekly: keepCount('keepWeekly'),
      keepMonthly: keepCount('keepMonthly'),
    },
    { error: 'retention must be an object of keepLast, keepDaily, keepWeekly, keepMonthly' },
  )
  .refine((value) => Object.values(value).some((count) => count !== undefined), {
    error: 'retention must give at least one of keepLast, keepDaily, keepWeekly, keepMonthly',
  });
export type BackupRetentionCounts = z.infer<typeof BackupRetentionSchema>;

/** A database's scheduled-backup policy (`PUT /databases/:id/backup-policy`, and `backup` on create). */
export const BackupPolicySchema = z.object({
  schedule: CronScheduleSchema,
  retentionDays: z
    .number({ error: 'retentionDays must be a number' })
    .int({ error: 'retentionDays must be an integer' })
    .min(1, { error: 'retentionDays must be at least 1' })
    .max(LIMITS.backupRetentionDays.max, {
      error: `retentionDays must be at most ${LIMITS.backupRetentionDays.max}`,
    })
    .default(LIMITS.backupRetentionDays.default),
  /** restic keep-* counts; when given they replace `retentionDays` in the RetentionPolicy. */
  retention: BackupRetentionSchema.optional(),
  /** Point-in-time recovery (continuous archiving), for engines that support it. */
  pitr: z.boolean({ error: 'pitr must be true or false' }).optional(),
  /** Scheduling stopped (the BackupConfiguration is paused); snapshots stay. */
  paused: z.boolean({ error: 'paused must be true or false' }).optional(),
  storageId: IdSchema,
});
export type BackupPolicy = z.infer<typeof BackupPolicySchema>;

/**
 * Where backups go: an S3 bucket. The access keys never live here: `vaultRef` names the vault
 * entry that holds them, and the engine copies them into a Kubernetes Secret only when it applies
 * a KubeStash BackupStorage.
 */
export const BackupStorageSchema = z.object({
  id: IdSchema,
  name: dnsLabelSchema('name', 63),
  type: z.literal('s3'),
  bucket: z.string().min(3, { error: 'bucket must be at least 3 characters' }).max(63),
  endpoint: z.string().url({ error: 'endpoint must be a URL' }),
  region: z.string().max(64).default(''),
  prefix: z.string().max(512).default(''),
  /** Path-style addressing (`endpoint/bucket/key`), as Ceph RGW and MinIO on an IP need. */
  forcePathStyle: z.boolean().default(true),
  /** The default retention of policies that give none; null: the engine's default. */
  retentionDays: z
    .number()
    .int()
    .min(1)
    .max(LIMITS.backupRetentionDays.max)
    .nullable()
    .default(null),
  /** The access key id's last four characters (not secret), so an admin can tell keys apart. */
  accessKeyIdHint: z.string().max(4).default(''),
  /** Clusters the storage has been materialised on. */
  providerIds: z.array(z.string()).default([]),
  /** The vault key under which `accessKeyId` and `secretAccessKey` are kept. */
  vaultRef: z.string().min(1),
  ...RecordMetaShape,
});
export type BackupStorage = z.infer<typeof BackupStorageSchema>;

/** `POST /backup-storages`. The keys go straight to the vault; they are never stored or echoed. */
export const CreateBackupStorageRequestSchema = z.object({
  name: dnsLabelSchema('name', 63),
  type: z.literal('s3', { error: 'type must be "s3"' }).default('s3'),
  bucket: z.string().min(3, { error: 'bucket must be at least 3 characters' }).max(63),
  endpoint: z.string().url({ error: 'endpoint must be a URL' }),
  region: z.string().max(64).default(''),
  prefix: z.string().max(512).default(''),
  forcePathStyle: z.boolean({ error: 'forcePathStyle must be true or false' }).default(true),
  retentionDays: z
    .number({ error: 'retentionDays must be a number' })
    .int({ error: 'retentionDays must be an integer' })
    .min(1, { error: 'retentionDays must be at least 1' })
    .max(LIMITS.backupRetentionDays.max, {
      error: `retentionDays must be at most ${LIMITS.backupRetentionDays.max}`,
    })
    .nullable()
    .default(null),
  accessKeyId: z.string().min(1, { error: 'accessKeyId must not be empty' }).max(256),
  secretAccessKey: z.string().min(1, { error: 'secretAccessKey must not be empty' }).max(256),
});
export type CreateBackupStorageRequest = z.infer<typeof CreateBackupStorageRequestSchema>;

/** Phases of a KubeStash BackupSession/RestoreSession, plus the product's own before one exists. */
export const BackupPhaseSchema = z.enum([
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Skipped',
  'Invalid',
  'Unknown',
]);
export type BackupPhase = z.infer<typeof BackupPhaseSchema>;

/** One backup run of a database (a KubeStash BackupSession and its snapshot). */
export const BackupSchema = z.object({
  id: IdSchema,
  databaseId: IdSchema,
  /** The BackupSession object name. */
  sessionName: z.string(),
  phase: BackupPhaseSchema,
  /** Snapshot size as KubeStash reports it (e.g. "12.5 MiB"), null until known. */
  size: z.string().nullable(),
  /** The Snapshot object name, null until known. */
  snapshot: z.string().nullable(),
  startedAt: IsoTimeSchema.nullable(),
  finishedAt: IsoTimeSchema.nullable(),
  ...RecordMetaShape,
});
export type Backup = z.infer<typeof BackupSchema>;

/** `POST /databases/:id/restore`. */
export const RestoreRequestSchema = z.object({
  backupId: IdSchema,
  target: z
    .object({ newName: dnsLabelSchema('target.newName', DATABASE_NAME_MAX_LENGTH).optional() })
    .default({}),
});
export type RestoreRequest = z.infer<typeof RestoreRequestSchema>;
