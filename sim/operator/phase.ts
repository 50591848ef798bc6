/**
 * Database phase from conditions, in the exact order of `kubedb.dev/apimachinery/pkg/phase`
 * (REFERENCE section 4).
 */
import { findCondition, isTrue, type Condition } from './util';

export type DatabasePhase =
  'Provisioning' | 'DataRestoring' | 'Ready' | 'Critical' | 'NotReady' | 'Halted' | 'Unknown' | '';

export function derivePhase(conditions: Condition[]): DatabasePhase {
  if (isTrue(conditions, 'HealthCheckPaused')) return 'Unknown';
  let phase: DatabasePhase = isTrue(conditions, 'ProvisioningStarted') ? 'Provisioning' : '';
  if (isTrue(conditions, 'Halted')) return 'Halted';
  const restored = findCondition(conditions, 'DataRestored');
  if (isTrue(conditions, 'DataRestoreStarted')) {
    if (restored && restored.status === 'False') return 'NotReady';
    if (!restored) return 'DataRestoring';
  }
  if (restored?.status === 'False') return 'NotReady';
  if (isTrue(conditions, 'Provisioned')) {
    if (findCondition(conditions, 'AcceptingConnection')?.status === 'False') return 'NotReady';
    if (findCondition(conditions, 'ReplicaReady')?.status === 'False') return 'Critical';
    if (findCondition(conditions, 'Ready')?.status === 'False') return 'Critical';
    if (isTrue(conditions, 'Ready')) phase = 'Ready';
  }
  return phase;
}
