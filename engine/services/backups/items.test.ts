import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kubedb/types';
import { failureOf } from './items';

const session = (conditions: Record<string, string>[]): KubeObject => ({
  apiVersion: 'core.kubestash.com/v1alpha1',
  kind: 'BackupSession',
  metadata: { name: 'orders-backup-1', namespace: 'acme-shop' },
  status: { phase: 'Failed', conditions },
});

describe('failureOf', () => {
  it('names the failing condition with its reason, not "Skip check passed"', () => {
    const failed = session([
      {
        type: 'BackupSkipped',
        status: 'False',
        reason: 'SkipCheckPassed',
        message: 'Skip check passed',
      },
      {
        type: 'SnapshotsEnsured',
        status: 'False',
        reason: 'WrongCredentials',
        message: 'initialize repository: the S3 server rejected the access key or secret key',
      },
    ]);
    expect(failureOf(failed)).toBe(
      'WrongCredentials: initialize repository: the S3 server rejected the access key or secret key',
    );
  });

  it('answers undefined when only conditions that are fine when False are there', () => {
    const pending = session([
      {
        type: 'BackupSkipped',
        status: 'False',
        reason: 'SkipCheckPassed',
        message: 'Skip check passed',
      },
    ]);
    expect(failureOf(pending)).toBeUndefined();
  });
});
