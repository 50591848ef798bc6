import { z } from 'zod';
import {
  IdSchema,
  IsoTimeSchema,
  RecordMetaShape,
  TENANT_NAME_MAX_LENGTH,
  dnsLabelSchema,
} from './common';
import { LIMITS } from './limits';

export const ROLES = ['admin', 'operator', 'viewer'] as const;
export const RoleSchema = z.enum(ROLES, { error: 'role must be one of admin, operator, viewer' });
export type Role = z.infer<typeof RoleSchema>;

/**
 * A role over a scope: no domain = global; a domain = all its projects; domain + project = that
 * project only. A project without a domain is invalid.
 */
export const RoleBindingSchema = z
  .object({
    role: RoleSchema,
    domain: dnsLabelSchema('domain', TENANT_NAME_MAX_LENGTH).optional(),
    project: dnsLabelSchema('project', TENANT_NAME_MAX_LENGTH).optional(),
  })
  .refine((binding) => binding.project === undefined || binding.domain !== undefined, {
    error: 'project needs a domain: a binding to a project must name its domain',
    path: ['project'],
  });
export type RoleBinding = z.infer<typeof RoleBindingSchema>;

/** A console user. `passwordHash` never leaves the engine: the API answers `PublicUser`. */
export const UserSchema = z.object({
  id: IdSchema,
  username: z
    .string()
    .min(1, { error: 'username must not be empty' })
    .max(64, { error: 'username must be at most 64 characters' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, {
      error: 'username may hold letters, digits and . _ @ -',
    }),
  passwordHash: z.string(),
  bindings: z.array(RoleBindingSchema),
  disabled: z.boolean().default(false),
  ...RecordMetaShape,
});
export type User = z.infer<typeof UserSchema>;

export const PublicUserSchema = UserSchema.omit({ passwordHash: true });
export type PublicUser = z.infer<typeof PublicUserSchema>;

/** `POST /users`. */
export const CreateUserRequestSchema = z.object({
  username: UserSchema.shape.username,
  password: z
    .string()
    .min(12, { error: 'password must be at least 12 characters' })
    .max(256, { error: 'password must be at most 256 characters' }),
  bindings: z.array(RoleBindingSchema).default([]),
});
export type CreateUserRequest = z.infer<typeof CreateUserRequestSchema>;

/**
 * An API key. Only `hash` of the key is stored; `prefix` (the key's first characters) finds the
 * record without a full scan. The key itself is shown once, at creation.
 */
export const ApiKeySchema = z.object({
  id: IdSchema,
  name: z.string().min(1).max(64),
  prefix: z.string().min(4).max(16),
  hash: z.string(),
  binding: RoleBindingSchema,
  /** The user id that created it. */
  createdBy: z.string(),
  lastUsedAt: IsoTimeSchema.nullable(),
  expiresAt: IsoTimeSchema.nullable(),
  ...RecordMetaShape,
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** `POST /api-keys`. */
export const CreateApiKeyRequestSchema = z
  .object({
    name: z
      .string()
      .min(1, { error: 'name must not be empty' })
      .max(64, { error: 'name must be at most 64 characters' }),
    role: RoleSchema,
    domain: dnsLabelSchema('domain', TENANT_NAME_MAX_LENGTH).optional(),
    project: dnsLabelSchema('project', TENANT_NAME_MAX_LENGTH).optional(),
    /** Days until the key expires; the configured default (90) when absent, at most the configured maximum (365). */
    expiresInDays: z
      .number({ error: 'expiresInDays must be a number' })
      .int({ error: 'expiresInDays must be an integer' })
      .min(1, { error: 'expiresInDays must be at least 1' })
      .max(LIMITS.apiKeyLifetimeDays.max, {
        error: `expiresInDays must be at most ${LIMITS.apiKeyLifetimeDays.max}`,
      })
      .optional(),
  })
  .refine((value) => value.project === undefined || value.domain !== undefined, {
    error: 'project needs a domain: a key scoped to a project must name its domain',
    path: ['project'],
  });
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequestSchema>;
