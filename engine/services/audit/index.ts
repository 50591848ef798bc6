/** The audit trail: append-only, hash-chained, verifiable. */
export {
  AuditLog,
  hashAuditEvent,
  verifyAuditChain,
  type AuditEntry,
  type AuditLogContext,
  type AuditVerification,
} from './audit-log';
export { canonicalJson } from './canonical-json';
export { createAuditTargetNamer } from './target-names';
