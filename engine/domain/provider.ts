import { z } from 'zod';
import { IdSchema, IsoTimeSchema, LabelsSchema, RecordMetaShape, dnsLabelSchema } from './common';
import { EngineSchema } from './engine';

/** What the last health check of a cluster found. */
export const ProviderHealthSchema = z.object({
  reachable: z.boolean(),
  kubedbInstalled: z.boolean(),
  /** Engines whose KubeDB CRDs are installed. */
  engines: z.array(EngineSchema),
  /** Catalog version names per engine, when the check listed them. */
  versions: z.partialRecord(EngineSchema, z.array(z.string())).optional(),
  lastSeenAt: IsoTimeSchema.nullable(),
  message: z.string().nullable(),
  /**
   * Set by the status sync while its watches cannot confirm the cluster's data (silent watches
   * whose re-list fails): since when it was last confirmed, and why. Null or absent: confirmed.
   */
  unconfirmed: z
    .object({ since: IsoTimeSchema.nullable(), reason: z.string() })
    .nullable()
    .optional(),
});
export type ProviderHealth = z.infer<typeof ProviderHealthSchema>;

/** Health before the first check. */
export const UNKNOWN_PROVIDER_HEALTH: ProviderHealth = Object.freeze({
  reachable: false,
  kubedbInstalled: false,
  engines: [],
  lastSeenAt: null,
  message: 'not checked yet',
});

/**
 * A Kubernetes cluster. The kubeconfig lives only in the vault under `vaultRef`; `server` is the
 * API server's host (for display and SSRF checks), never a credential.
 */
export const ProviderSchema = z.object({
  id: IdSchema,
  name: dnsLabelSchema('name', 63),
  context: z.string().min(1),
  region: z.string().max(64).nullable(),
  labels: LabelsSchema,
  server: z.string(),
  vaultRef: z.string().min(1),
  health: ProviderHealthSchema,
  ...RecordMetaShape,
});
export type Provider = z.infer<typeof ProviderSchema>;

/** `POST /providers`. The kubeconfig goes to the vault and is never echoed. */
export const CreateProviderRequestSchema = z.object({
  name: dnsLabelSchema('name', 63),
  kubeconfig: z
    .string({ error: 'kubeconfig must be a string of YAML' })
    .min(1, { error: 'kubeconfig must not be empty' })
    .max(1_000_000, { error: 'kubeconfig must be at most 1 MB' }),
  context: z.string().min(1).optional(),
  region: z.string().max(64).optional(),
  labels: LabelsSchema.default({}),
});
export type CreateProviderRequest = z.infer<typeof CreateProviderRequestSchema>;
