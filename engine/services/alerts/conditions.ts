/**
 * What the evaluator observes: each engine event (and, at start, the store's current state)
 * becomes observations "rule R holds / does not hold for subject S". Pure mapping, no I/O beyond
 * the reads handed in.
 */
import type { Database, EngineEvent, Operation, Provider } from '../../domain';
import { UNKNOWN_PROVIDER_HEALTH } from '../../domain';
import type { EvaluatedRuleId } from './rules';

export interface Observation {
  rule: EvaluatedRuleId;
  subject: string;
  holds: boolean;
  summary: string;
  databaseId?: string;
  providerId?: string;
  domain?: string;
  project?: string;
}

/** The database facts an observation names (a store read, or an event's data). */
type DatabaseFacts = Pick<Database, 'id' | 'name' | 'domain' | 'project' | 'providerId'>;

const DOWN = new Set(['FAILED', 'UNKNOWN']);

export const databaseSubject = (id: string): string => `database:${id}`;
export const providerSubject = (id: string): string => `provider:${id}`;
export const operationSubject = (databaseId: string, type: string): string =>
  `database:${databaseId}/op:${type}`;

function about(
  db: DatabaseFacts,
): Pick<Observation, 'databaseId' | 'providerId' | 'domain' | 'project'> {
  return { databaseId: db.id, providerId: db.providerId, domain: db.domain, project: db.project };
}

export function databaseDown(
  db: DatabaseFacts & { status: string; statusReason?: string | null },
): Observation {
  const reason = db.statusReason ? `: ${db.statusReason}` : '';
  return {
    rule: 'database-down',
    subject: databaseSubject(db.id),
    holds: DOWN.has(db.status),
    summary: `database ${db.domain}/${db.project}/${db.name} is ${db.status}${reason}`,
    ...about(db),
  };
}

/** A cluster counts as unreachable once a health check has said so (not before the first check). */
export function clusterUnreachable(
  provider: Pick<Provider, 'id' | 'name' | 'health'>,
): Observation {
  const checked = provider.health.message !== UNKNOWN_PROVIDER_HEALTH.message;
  return {
    rule: 'cluster-unreachable',
    subject: providerSubject(provider.id),
    holds: checked && !provider.health.reachable,
    summary: `cluster ${provider.name} is unreachable${provider.health.message ? `: ${provider.health.message}` : ''}`,
    providerId: provider.id,
  };
}

/** A settled operation: FAILED holds its rule, SUCCEEDED clears it (backups: backup-failed). */
export function operationSettled(
  db: DatabaseFacts,
  operation: Pick<Operation, 'id' | 'status' | 'error'> & { type: string },
): Observation | null {
  if (operation.status !== 'FAILED' && operation.status !== 'SUCCEEDED') return null;
  const failed = operation.status === 'FAILED';
  const why = operation.error?.message ? `: ${operation.error.message}` : '';
  if (operation.type === 'backup')
    return {
      rule: 'backup-failed',
      subject: databaseSubject(db.id),
      holds: failed,
      summary: `backup of ${db.domain}/${db.project}/${db.name} failed (operation ${operation.id})${why}`,
      ...about(db),
    };
  return {
    rule: 'operation-failed',
    subject: operationSubject(db.id, operation.type),
    holds: failed,
    summary: `${operation.type} of ${db.domain}/${db.project}/${db.name} failed (operation ${operation.id})${why}`,
    ...about(db),
  };
}

/** A BackupSession that ended: Failed/Invalid holds backup-failed, Succeeded clears it. */
export function backupSettled(
  db: DatabaseFacts,
  backup: { id: string; phase: string; error?: string },
): Observation | null {
  const failed = backup.phase === 'Failed' || backup.phase === 'Invalid';
  if (!failed && backup.phase !== 'Succeeded') return null;
  return {
    rule: 'backup-failed',
    subject: databaseSubject(db.id),
    holds: failed,
    summary: `backup ${backup.id} of ${db.domain}/${db.project}/${db.name} ${backup.phase}${backup.error ? `: ${backup.error}` : ''}`,
    ...about(db),
  };
}

/** The database an event is about, when it names one (status events carry its facts). */
export function databaseIdOf(event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'database.status':
      return event.data.id;
    case 'operation.progress':
    case 'backup.status':
      return event.data.databaseId;
    default:
      return undefined;
  }
}
