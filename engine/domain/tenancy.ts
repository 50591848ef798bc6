import { z } from 'zod';
import { IdSchema, RecordMetaShape, TENANT_NAME_MAX_LENGTH, dnsLabelSchema } from './common';
import { LIMITS } from './limits';
import { quantitySchema } from './quantity';

/** Per-project (or per-domain default) quota; absent fields fall back to the configured limits. */
export const QuotaSchema = z.object({
  maxDatabases: z
    .number()
    .int()
    .min(0, { error: 'quota.maxDatabases must be at least 0' })
    .max(LIMITS.databasesPerProject.max, {
      error: `quota.maxDatabases must be at most ${LIMITS.databasesPerProject.max}`,
    })
    .optional(),
  /** Total storage of all databases of the project. */
  maxStorage: quantitySchema('quota.maxStorage').optional(),
  /** Total CPU requests of all database pods of the project. */
  maxCpu: quantitySchema('quota.maxCpu').optional(),
  maxMemory: quantitySchema('quota.maxMemory').optional(),
});
export type Quota = z.infer<typeof QuotaSchema>;

/** A tenant: groups projects and scopes role bindings. */
export const DomainSchema = z.object({
  id: IdSchema,
  name: dnsLabelSchema('name', TENANT_NAME_MAX_LENGTH),
  quota: QuotaSchema.default({}),
  ...RecordMetaShape,
});
export type Domain = z.infer<typeof DomainSchema>;

/**
 * What the reconciler does with drift in a project: `repair` it (the default), `notify` (show it and
 * wait), or `adopt-live` (take the live value into the desired state, recorded in the audit trail).
 */
export const DriftPolicySchema = z.enum(['repair', 'notify', 'adopt-live'], {
  error: 'driftPolicy must be one of repair, notify, adopt-live',
});
export type DriftPolicy = z.infer<typeof DriftPolicySchema>;

/** A project of a domain; its databases live in the namespace `<domain>-<project>`. */
export const ProjectSchema = z.object({
  id: IdSchema,
  domain: dnsLabelSchema('domain', TENANT_NAME_MAX_LENGTH),
  name: dnsLabelSchema('name', TENANT_NAME_MAX_LENGTH),
  quota: QuotaSchema.default({}),
  /** Absent on projects stored before drift policies existed: `repair`. */
  driftPolicy: DriftPolicySchema.optional(),
  ...RecordMetaShape,
});
export type Project = z.infer<typeof ProjectSchema>;

/** `POST /domains` and `POST /domains/:domain/projects`. */
export const CreateTenantRequestSchema = z.object({
  name: dnsLabelSchema('name', TENANT_NAME_MAX_LENGTH),
  quota: QuotaSchema.optional(),
  /** Projects only. */
  driftPolicy: DriftPolicySchema.optional(),
});
export type CreateTenantRequest = z.infer<typeof CreateTenantRequestSchema>;

/** `PATCH /domains/:domain/projects/:project`. */
export const UpdateProjectRequestSchema = z
  .object({ driftPolicy: DriftPolicySchema.optional(), quota: QuotaSchema.optional() })
  .refine((value) => value.driftPolicy !== undefined || value.quota !== undefined, {
    error: 'a project patch must change driftPolicy or quota',
  });
