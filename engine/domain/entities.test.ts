import { describe, expect, it } from 'vitest';
import {
  BackupPolicySchema,
  CreateApiKeyRequestSchema,
  CreateBackupStorageRequestSchema,
  IdSchema,
  OperationSchema,
  RoleBindingSchema,
  checkInput,
} from './index';

describe('entity schemas', () => {
  it('keeps ids usable as label values', () => {
    expect(IdSchema.safeParse('01JD5T1MQ9XW3Y0K8ZP2N7VCBA').success).toBe(true);
    expect(IdSchema.safeParse('3f2c1a7e-0b7d-4b36-9a53-2f3a1c2b4d5e').success).toBe(true);
    expect(IdSchema.safeParse('a/b').success).toBe(false);
    expect(IdSchema.safeParse('x'.repeat(64)).success).toBe(false);
  });

  it('refuses a project binding without a domain', () => {
    const result = checkInput(RoleBindingSchema, { role: 'operator', project: 'shop' });
    expect(result.ok ? [] : result.problems).toEqual([
      {
        path: 'project',
        rule: 'custom',
        message: 'project needs a domain: a binding to a project must name its domain',
      },
    ]);
    expect(
      CreateApiKeyRequestSchema.safeParse({ name: 'ci', role: 'viewer', domain: 'acme' }).success,
    ).toBe(true);
  });

  it('checks backup policies', () => {
    expect(BackupPolicySchema.parse({ schedule: '0 2 * * *', storageId: 'st-1' })).toEqual({
      schedule: '0 2 * * *',
      retentionDays: 30,
      storageId: 'st-1',
    });
    const result = checkInput(BackupPolicySchema, {
      schedule: 'nightly',
      retentionDays: 400,
      storageId: 'st-1',
    });
    expect(result.ok ? [] : result.problems.map((problem) => problem.message)).toEqual([
      'schedule must be a five-field cron expression such as "0 2 * * *"',
      'retentionDays must be at most 365',
    ]);
  });

  it('accepts a backup storage request with keys, which the stored record cannot hold', () => {
    const request = CreateBackupStorageRequestSchema.parse({
      name: 'offsite',
      bucket: 'acme-backups',
      endpoint: 'https://s3.example.com',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
    });
    expect(request.type).toBe('s3');
  });

  it('parses an operation with its defaults', () => {
    const operation = OperationSchema.parse({
      id: 'op-1',
      type: 'scale-horizontal',
      databaseId: 'db-1',
      status: 'QUEUED',
      progress: 0,
      attempts: 0,
      steps: [],
      error: null,
      params: { replicas: 5 },
      opsRequestName: null,
      startedAt: null,
      finishedAt: null,
      revision: 0,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    expect(operation.maxAttempts).toBe(3);
    expect(OperationSchema.safeParse({ ...operation, progress: 101 }).success).toBe(false);
  });
});
