import { describe, expect, it } from 'vitest';
import { sampleDatabase, sampleOperation } from '../../testing/fixtures';
import { backupCounts } from './fleet-summary';

describe('the dashboard backup counts', () => {
  it('counts live databases without a policy and those whose latest backup failed', () => {
    const policy = { schedule: '0 2 * * *', retentionDays: 30, storageId: 'st-1' };
    const databases = [
      sampleDatabase({ name: 'a' }),
      sampleDatabase({ name: 'b', backup: policy }),
      sampleDatabase({ name: 'c', backup: policy }),
      sampleDatabase({ name: 'd', status: 'DELETED' }),
    ];
    const operations = [
      sampleOperation({
        id: '1',
        type: 'backup',
        databaseId: 'id-b',
        status: 'FAILED',
        createdAt: '2026-01-01T00:00:00.000Z',
      }),
      sampleOperation({
        id: '2',
        type: 'backup',
        databaseId: 'id-b',
        status: 'FAILED',
        createdAt: '2026-01-02T00:00:00.000Z',
      }),
      sampleOperation({
        id: '3',
        type: 'backup',
        databaseId: 'id-c',
        status: 'FAILED',
        createdAt: '2026-01-01T00:00:00.000Z',
      }),
      sampleOperation({
        id: '4',
        type: 'backup',
        databaseId: 'id-c',
        status: 'SUCCEEDED',
        createdAt: '2026-01-02T00:00:00.000Z',
      }),
      sampleOperation({ id: '5', type: 'restart', databaseId: 'id-a', status: 'FAILED' }),
    ];
    expect(backupCounts(databases, operations)).toEqual({ withoutBackup: 1, failed: 1 });
  });
});
