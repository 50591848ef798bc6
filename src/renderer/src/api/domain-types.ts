/** The domain types the renderer uses, imported as types only (the lint rule allows nothing else). */
export type {
  AuditEvent,
  Database,
  DatabaseMode,
  DatabaseStatus,
  DeletionPolicy,
  DriftEntry,
  DriftHistoryEntry,
  DriftPolicy,
  Engine,
  Operation,
  OperationStatus,
  OperationType,
  ProviderHealth,
} from '../../../../engine/domain';
