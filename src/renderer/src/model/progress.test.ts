import { describe, expect, it } from 'vitest';
import { sampleDatabase, sampleOperation } from '../testing/fixtures';
import { changeSummary, createProgress, phaseWhy, versionText } from './progress';

describe('what the console says about work in progress', () => {
  it('does not call a create done while the database still provisions', () => {
    const provisioning = sampleDatabase({ status: 'PROVISIONING', phase: 'Provisioning' });
    const applied = sampleOperation({ type: 'create', status: 'SUCCEEDED', progress: 100 });
    expect(createProgress(provisioning, applied)).toEqual({
      value: 90,
      operation: 'applied',
      message: 'Applied — waiting for the database to be Ready (phase Provisioning)',
    });
    expect(createProgress(sampleDatabase(), applied)).toMatchObject({
      value: 100,
      message: 'It runs.',
    });
    expect(
      createProgress(provisioning, { ...applied, status: 'RUNNING', progress: 100 }).value,
    ).toBeLessThan(100);
  });

  it('shows an upgrade as from → to, and the target as a target until it runs', () => {
    const upgrading = sampleDatabase({
      version: '17.9',
      drift: [{ path: 'version', desired: '17.9', live: '16.4' }],
    });
    const operation = sampleOperation({
      type: 'update-version',
      status: 'RUNNING',
      params: { targetVersion: '17.9', previous: { version: '16.4' } },
    });
    expect(changeSummary(upgrading, operation)).toBe('version 16.4 → 17.9');
    expect(versionText(upgrading)).toBe('16.4 (target 17.9)');
    expect(versionText(sampleDatabase({ version: '17.9' }))).toBe('17.9');
    // Without a recorded previous value, the live one is the "from" while it runs.
    expect(changeSummary(upgrading, { ...operation, params: { targetVersion: '17.9' } })).toBe(
      'version 16.4 → 17.9',
    );
    expect(
      changeSummary(sampleDatabase(), {
        type: 'scale-horizontal',
        status: 'SUCCEEDED',
        params: { replicas: 5, previous: { replicas: 3 } },
      }),
    ).toBe('replicas 3 → 5');
  });

  it('explains a degraded phase during a restart instead of an empty reason', () => {
    const critical = sampleDatabase({ status: 'UPDATING', phase: 'Critical', statusReason: null });
    expect(phaseWhy(critical, { type: 'restart' })).toBe(
      'expected while the restart runs: KubeDB takes pods down and brings them back one at a time',
    );
    expect(phaseWhy(critical, null)).toBe('no reason given by KubeDB');
    expect(
      phaseWhy(
        {
          ...critical,
          conditions: [{ type: 'Ready', status: 'False', message: '1 of 3 pods not ready' }],
        },
        null,
      ),
    ).toBe('1 of 3 pods not ready');
    expect(phaseWhy(sampleDatabase(), null)).toBeNull();
  });

  it("explains a degraded phase during a scale or resize too, with KubeDB's reason when it gave one", () => {
    const notReady = sampleDatabase({ status: 'UPDATING', phase: 'NotReady', statusReason: null });
    expect(phaseWhy(notReady, { type: 'scale-horizontal' })).toBe(
      'expected while the scaling runs: KubeDB takes pods down and brings them back one at a time',
    );
    expect(
      phaseWhy(
        { ...notReady, statusReason: 'pod orders-2 is starting' },
        { type: 'scale-vertical' },
      ),
    ).toBe(
      'expected while the resize runs: KubeDB takes pods down and brings them back one at a time (pod orders-2 is starting)',
    );
    // An operation that takes no pods down does not excuse a degraded phase.
    expect(phaseWhy(notReady, { type: 'backup' })).toBe('no reason given by KubeDB');
  });
});
