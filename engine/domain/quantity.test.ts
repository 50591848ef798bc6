import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  LimitsSchema,
  checkDatabaseLimits,
  checkStorageGrowth,
  compareQuantities,
  isQuantity,
  parseCpuMillicores,
  parseQuantity,
  quantitiesEqual,
} from './index';

describe('quantities', () => {
  it('parses binary, decimal and exponent suffixes to base units', () => {
    expect(parseQuantity('10Gi')).toBe(10 * 2 ** 30);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('250000Ki')).toBe(256_000_000);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity('10GB')).toBeNaN();
  });

  it('reads cpu in millicores', () => {
    expect(parseCpuMillicores('500m')).toBe(500);
    expect(parseCpuMillicores('2')).toBe(2000);
    expect(parseCpuMillicores('0.1')).toBe(100);
    expect(parseCpuMillicores('12345678n')).toBeCloseTo(12.345678);
  });

  it('compares by value', () => {
    expect(quantitiesEqual('1Gi', '1024Mi')).toBe(true);
    expect(compareQuantities('10Gi', '1Ti')).toBeLessThan(0);
    expect(compareQuantities('1Ti', '1000Gi')).toBeGreaterThan(0);
    expect(isQuantity('1.5Gi')).toBe(true);
    expect(isQuantity('Gi')).toBe(false);
  });
});

describe('limits', () => {
  it('defaults to API.md and refuses values above the maxima', () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      databasesPerProject: 10,
      replicasPerDatabase: 9,
      storagePerDatabase: '1Ti',
      concurrentOperations: 3,
      backupRetentionDays: 30,
    });
    expect(
      LimitsSchema.parse({ databasesPerProject: 100, storagePerDatabase: '10Ti' }),
    ).toMatchObject({ databasesPerProject: 100 });
    const result = LimitsSchema.safeParse({
      databasesPerProject: 101,
      concurrentOperations: 11,
      storagePerDatabase: '11Ti',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'concurrentOperations',
      'databasesPerProject',
      'storagePerDatabase',
    ]);
  });

  it('checks a request against configured limits', () => {
    const limits = LimitsSchema.parse({ replicasPerDatabase: 5, storagePerDatabase: '100Gi' });
    expect(checkDatabaseLimits({ replicas: 5, storage: { size: '100Gi' } }, limits)).toEqual([]);
    expect(
      checkDatabaseLimits(
        { replicas: 6, storage: { size: '101Gi' }, backup: { retentionDays: 31 } },
        limits,
      ).map((v) => v.path),
    ).toEqual(['replicas', 'storage.size', 'backup.retentionDays']);
  });

  it('lets storage only grow', () => {
    expect(checkStorageGrowth('10Gi', '20Gi')).toBeNull();
    expect(checkStorageGrowth('10Gi', '10240Mi')).toMatchObject({
      path: 'storage.size',
      rule: 'only-growing',
    });
    expect(checkStorageGrowth('10Gi', '5Gi')).not.toBeNull();
  });
});
