import { describe, expect, it } from 'vitest';
import { derivePhase } from './phase';
import type { Condition } from './util';

const c = (type: string, status: 'True' | 'False'): Condition => ({
  type,
  status,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const provisioned = [
  c('ProvisioningStarted', 'True'),
  c('ReplicaReady', 'True'),
  c('AcceptingConnection', 'True'),
  c('Ready', 'True'),
  c('Provisioned', 'True'),
];

describe('derivePhase', () => {
  it('follows the provisioning walk', () => {
    expect(derivePhase([])).toBe('');
    expect(derivePhase([c('ProvisioningStarted', 'True')])).toBe('Provisioning');
    expect(
      derivePhase([
        c('ProvisioningStarted', 'True'),
        c('ReplicaReady', 'True'),
        c('AcceptingConnection', 'True'),
      ]),
    ).toBe('Provisioning');
    expect(derivePhase(provisioned)).toBe('Ready');
  });

  it('reports Critical and NotReady only once provisioned', () => {
    const swap = (type: string) => provisioned.map((x) => (x.type === type ? c(type, 'False') : x));
    expect(derivePhase(swap('ReplicaReady'))).toBe('Critical');
    expect(derivePhase(swap('Ready'))).toBe('Critical');
    expect(derivePhase(swap('AcceptingConnection'))).toBe('NotReady');
  });

  it('puts Unknown, Halted and the restore states first', () => {
    expect(derivePhase([...provisioned, c('HealthCheckPaused', 'True')])).toBe('Unknown');
    expect(derivePhase([...provisioned, c('Halted', 'True')])).toBe('Halted');
    expect(derivePhase([...provisioned, c('DataRestoreStarted', 'True')])).toBe('DataRestoring');
    expect(
      derivePhase([...provisioned, c('DataRestoreStarted', 'True'), c('DataRestored', 'False')]),
    ).toBe('NotReady');
    expect(
      derivePhase([...provisioned, c('DataRestoreStarted', 'True'), c('DataRestored', 'True')]),
    ).toBe('Ready');
  });
});
