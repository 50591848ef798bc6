import { z } from 'zod';
import { IdSchema, IsoTimeSchema } from './common';

export const AuditResultSchema = z.enum(['success', 'failure', 'denied']);
export type AuditResult = z.infer<typeof AuditResultSchema>;

/**
 * One audited action (every changing call, login and credential read). Events form a hash chain:
 * `hash` covers the event's fields and `prevHash`, so a removed or edited event breaks the chain.
 */
export const AuditEventSchema = z.object({
  id: IdSchema,
  /** User name, `apikey:<id>` or `system`. */
  actor: z.string(),
  /** e.g. `database.create`, `auth.login`, `database.credentials.read`. */
  action: z.string(),
  /** e.g. `database/<id>`; '' when the action has no target. */
  target: z.string(),
  /** What the target is: `database`, `provider`, `operation`, `user`, `api-key`, `domain`... */
  targetKind: z.string().optional(),
  /** The target's name when the event was recorded (ids stay in `target`). */
  targetName: z.string().optional(),
  result: AuditResultSchema,
  requestId: z.string().nullable(),
  sourceIp: z.string().nullable(),
  time: IsoTimeSchema,
  /** Secret-free extra facts (never a password, token or kubeconfig). */
  details: z.record(z.string(), z.unknown()).optional(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/** The hash of the chain's first event's predecessor. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);
