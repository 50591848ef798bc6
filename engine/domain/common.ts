import { z } from 'zod';

/**
 * An entity id. Ids end up as Kubernetes label values (`dbaas.kubedb.dev/database-id=<id>`) and in
 * OpsRequest names, so they must be valid label values: at most 63 characters of `[A-Za-z0-9_.-]`,
 * starting and ending alphanumeric. UUIDs and ULIDs both qualify.
 */
export const IdSchema = z
  .string()
  .min(1, { error: 'id must not be empty' })
  .max(63, { error: 'id must be at most 63 characters (a Kubernetes label value)' })
  .regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/, {
    error:
      'id must be a Kubernetes label value: alphanumerics, "-", "_", "." and alphanumeric at both ends',
  });
export type Id = z.infer<typeof IdSchema>;

/** An ISO-8601 UTC timestamp, as every time on the wire is. */
export const IsoTimeSchema = z.iso.datetime({ error: 'must be an ISO-8601 UTC timestamp' });
export type IsoTime = z.infer<typeof IsoTimeSchema>;

/**
 * The longest database name. KubeDB derives object names from it (REFERENCE section 5) and several
 * must stay within 63 characters: Services are DNS-1035 labels (`<db>-configsvr-pods`, 15 extra
 * characters, for sharded MongoDB), and every PetSet pod carries the label
 * `controller-revision-hash: <petset>-<hash>` whose value is limited to 63 characters with a hash of
 * up to 10 characters — the same reason Kubernetes keeps StatefulSet names to 52. The longest PetSet
 * we create is `<db>-configsvr` (MongoDB sharded; `<db>-sentinel` for Redis is one shorter), so
 * `name + 10 + 1 + 10 <= 63` gives 42. OpsRequest names `<db>-<type>-<8-char id>` also fit in 63.
 */
export const DATABASE_NAME_MAX_LENGTH = 42;

/**
 * Domains and projects form the namespace `<domain>-<project>`, a DNS label of at most 63
 * characters, so each is kept to 31.
 */
export const TENANT_NAME_MAX_LENGTH = 31;

/** A DNS-1035 label: lower-case alphanumerics and '-', starting with a letter, ending alphanumeric. */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A schema for a DNS-1035 label of at most `max` characters, whose messages name `field`
 * and the rule that was broken.
 */
export function dnsLabelSchema(field: string, max: number) {
  return z
    .string({ error: `${field} must be a string` })
    .min(1, { error: `${field} must not be empty` })
    .max(max, { error: `${field} must be at most ${max} characters` })
    .regex(DNS_1035_LABEL, {
      error: `${field} must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit`,
    });
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Kubernetes-compatible labels (keys with an optional DNS prefix; values at most 63 characters). */
export const LabelsSchema = z.record(
  z
    .string()
    .max(253, { error: 'label keys must be at most 253 characters' })
    .regex(LABEL_KEY, { error: 'label keys must be valid Kubernetes label keys' }),
  z
    .string()
    .max(63, { error: 'label values must be at most 63 characters' })
    .regex(LABEL_VALUE, { error: 'label values must be valid Kubernetes label values' }),
);
export type Labels = z.infer<typeof LabelsSchema>;

/** A Kubernetes-style condition, as KubeDB reports them on databases and OpsRequests. */
export const ConditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  observedGeneration: z.number().int().optional(),
  severity: z.string().optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;

/**
 * The store's optimistic-concurrency counter. Called `revision` (not `version`) so that it never
 * clashes with a database's `version` (the KubeDB catalog version name).
 */
export const RevisionSchema = z.number().int().nonnegative();

/** Fields every stored record carries. */
export const RecordMetaShape = {
  revision: RevisionSchema,
  createdAt: IsoTimeSchema,
  updatedAt: IsoTimeSchema,
};
