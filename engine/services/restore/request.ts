/** The body of `POST /api/v1/databases/:id/restore` (API.md "Backups"). */
import { z } from 'zod';
import { DATABASE_NAME_MAX_LENGTH, IsoTimeSchema, dnsLabelSchema } from '../../domain';

const InPlaceTargetSchema = z.object({
  inPlace: z.literal(true, { error: 'target.inPlace must be true' }),
  replace: z.boolean({ error: 'target.replace must be a boolean' }).optional(),
});

const NewTargetSchema = z.object({
  newName: dnsLabelSchema('target.newName', DATABASE_NAME_MAX_LENGTH),
  project: dnsLabelSchema('target.project', 63).optional(),
  providerId: z.string({ error: 'target.providerId must be a string' }).min(1).max(63).optional(),
});

export const RestoreBodySchema = z
  .object({
    /** A backup id, or a Snapshot name; absent (and no pitr): the newest snapshot. */
    backupId: z
      .string({ error: 'backupId must be a string' })
      .min(1, { error: 'backupId must not be empty' })
      .max(253, { error: 'backupId must be at most 253 characters' })
      .optional(),
    pitr: z
      .object({ targetTime: IsoTimeSchema }, { error: 'pitr must be an object {targetTime}' })
      .optional(),
    target: z.union([InPlaceTargetSchema, NewTargetSchema], {
      error: 'target must be {inPlace: true, replace?} or {newName, project?, providerId?}',
    }),
  })
  .refine((body) => !(body.backupId && body.pitr), {
    error: 'give backupId or pitr, not both',
    path: ['pitr'],
  });
export type RestoreBody = z.infer<typeof RestoreBodySchema>;

export function isInPlace(
  target: RestoreBody['target'],
): target is z.infer<typeof InPlaceTargetSchema> {
  return 'inPlace' in target;
}
