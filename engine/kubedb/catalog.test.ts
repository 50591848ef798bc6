import { describe, expect, it } from 'vitest';
import {
  checkVersionForCreate,
  compareSemVer,
  isAllowedUpdate,
  satisfies,
  toCatalogVersions,
  type KubeObject,
} from './index';

function version(kind: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'catalog.kubedb.com/v1alpha1', kind, metadata: { name }, spec };
}

const pg = (name: string, upstream: string, extra: Record<string, unknown> = {}) =>
  version('PostgresVersion', name, { version: upstream, distribution: 'Official', ...extra });

describe('semver', () => {
  it('compares versions, pre-releases first', () => {
    expect(compareSemVer('8.0.31', '8.0.4')).toBeGreaterThan(0);
    expect(compareSemVer('17.9', '17.9.0')).toBe(0);
    expect(compareSemVer('9.0.0-rc.1', '9.0.0')).toBeLessThan(0);
  });

  it('evaluates catalog constraints', () => {
    expect(satisfies('8.4.9', '>= 8.4.8, <= 9.1.0')).toBe(true);
    expect(satisfies('9.1.1', '>= 8.4.8, <= 9.1.0')).toBe(false);
    expect(satisfies('15.4', '>= 15.0, < 16.0')).toBe(true);
    expect(satisfies('16.0', '>= 15.0, < 16.0')).toBe(false);
    expect(satisfies('8.0.3', '8.0.3')).toBe(true);
    expect(satisfies('8.0.4', '8.0.3')).toBe(false);
    expect(satisfies('1.2.9', '~1.2.3')).toBe(true);
    expect(satisfies('1.3.0', '~1.2.3')).toBe(false);
    expect(satisfies('1.9.0', '^1.2.3')).toBe(true);
    expect(satisfies('2.0.0', '^1.2.3')).toBe(false);
    expect(satisfies('7.4.1', '7.4.x')).toBe(true);
    expect(satisfies('7.5.0', '< 7.0 || >= 7.5')).toBe(true);
    expect(() => satisfies('1.0.0', 'latest')).toThrow();
  });
});

describe('catalog versions', () => {
  const catalog = [
    pg('17.9', '17.9', { updateConstraints: { allowlist: ['>= 17.9'] } }),
    pg('17.9-bookworm', '17.9'),
    pg('18.3', '18.3'),
    pg('16.4', '16.4', {
      updateConstraints: { allowlist: ['>= 16.4, < 18.0'], denylist: ['17.0.0'] },
    }),
    pg('17.0', '17.0'),
    pg('17.2', '17.2', { deprecated: true }),
    pg('timescaledb-2.14.2-pg16', '16.4', { distribution: 'TimescaleDB' }),
    version('MySQLVersion', '8.4.8', {
      version: '8.4.8',
      distribution: 'Official',
      updateConstraints: {
        allowlist: { standalone: ['>= 8.4.8'], groupReplication: ['>= 8.4.8, <= 9.1.0'] },
        denylist: { groupReplication: ['< 8.4.8'] },
      },
    }),
    version('MySQLVersion', '9.1.0', { version: '9.1.0', distribution: 'Official' }),
    version('MySQLVersion', '9.2.0', { version: '9.2.0', distribution: 'Official' }),
    version('RedisVersion', 'valkey-8.0.3', {
      version: '8.0.3',
      distribution: 'Valkey',
      updateConstraints: { allowlist: ['8.0.3'] },
    }),
    version('RedisVersion', '8.0.3', { version: '8.0.3', distribution: 'Official' }),
    version('ConfigMap', 'ignored', {}),
  ];
  const versions = toCatalogVersions(catalog);
  const entry = (name: string) => versions.find((item) => item.version === name);

  it('lists every catalog object by name with its engine and deprecation', () => {
    expect(versions).toHaveLength(12);
    expect(entry('17.2')).toMatchObject({
      engine: 'postgres',
      deprecated: true,
      upstreamVersion: '17.2',
    });
    expect(entry('valkey-8.0.3')).toMatchObject({ engine: 'redis', distribution: 'Valkey' });
  });

  it('computes upgrade targets from the allowlist, same distribution, not deprecated', () => {
    expect(entry('17.9')?.upgradeTargets.sort()).toEqual(['17.9-bookworm', '18.3']);
    // Denylisted 17.0, deprecated 17.2, out-of-range 18.3 and another distribution are all left out.
    expect(entry('16.4')?.upgradeTargets.sort()).toEqual(['17.9', '17.9-bookworm']);
    // No constraints at all: every other version of the distribution.
    expect(entry('18.3')?.upgradeTargets).toContain('16.4');
  });

  it('reads the groupReplication lists of MySQL versions', () => {
    expect(entry('8.4.8')?.upgradeTargets).toEqual(['9.1.0']);
    expect(isAllowedUpdate(catalog[7]!, catalog[9]!)).toBe(false);
  });

  it('lets a Valkey version update only to its allowlist within its distribution', () => {
    expect(entry('valkey-8.0.3')?.upgradeTargets).toEqual([]);
  });

  it('checks a version for a new database', () => {
    expect(checkVersionForCreate(versions, 'postgres', 'cluster', '17.9')).toBeNull();
    expect(checkVersionForCreate(versions, 'postgres', 'cluster', '17.2')).toMatch(/deprecated/);
    expect(checkVersionForCreate(versions, 'postgres', 'cluster', '99.0')).toMatch(
      /not in the postgres catalog/,
    );
    expect(checkVersionForCreate(versions, 'mysql', 'innodb-cluster', '8.4.8')).toMatch(/-innodb/);
  });
});
