/**
 * The PostgreSQL major of an instance, against a fake `/usr/lib/postgresql` layout whose
 * `postgres` programs print a version: the spec's major when installed, else the newest, and a
 * data directory keeps the major that created it. The version the starter reports is what the
 * pod's `sim.kubedb.dev/machine-version` annotation shows.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceSpec } from '../core/data-plane';
import type { InstanceContext } from './engine';
import { postgresStarter } from './postgres';
import { choosePostgres, installedPostgres, majorOf } from './postgres-versions';

let root: string;

function fakeMajor(major: string, version: string): void {
  const bin = join(root, major, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'postgres'), `#!/bin/sh\necho "postgres (PostgreSQL) ${version}"\n`);
  chmodSync(join(bin, 'postgres'), 0o755);
}

function spec(version: string): InstanceSpec {
  return {
    namespace: 'ns',
    kind: 'Postgres',
    database: 'pg',
    pod: 'pg-0',
    engine: 'postgres',
    version,
    user: 'postgres',
    password: 'pw',
  };
}

function context(version: string, dataDir: string): InstanceContext {
  return { spec: spec(version), home: root, dataDir, socket: root, port: 1, logFile: '/dev/null' };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pg-layout-'));
  fakeMajor('14', '14.11');
  fakeMajor('16', '16.3');
  mkdirSync(join(root, '17', 'bin'), { recursive: true }); // no postgres in it: not installed
  mkdirSync(join(root, 'extension'), { recursive: true });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('PostgreSQL major selection', () => {
  it('lists the installed majors newest first, skipping folders without a server', () => {
    expect(installedPostgres(root).map((i) => i.major)).toEqual([16, 14]);
    expect(installedPostgres(join(root, 'missing'))).toEqual([]);
  });

  it('reads the major of KubeDB version strings', () => {
    expect(majorOf('16.4')).toBe(16);
    expect(majorOf('15.5-bookworm')).toBe(15);
    expect(majorOf('17')).toBe(17);
    expect(majorOf('timescaledb-2.14.2-pg16')).toBeUndefined();
  });

  it.each([
    ['14.10', '14.11', '14'],
    ['16.1', '16.3', '16'],
    ['15.5', '16.3', '16'],
    ['timescaledb-2.14.2-pg16', '16.3', '16'],
  ])('spec.version %s runs the machine version %s', (version, runs, major) => {
    const starter = postgresStarter({ root });
    const dataDir = join(root, 'no-data');
    expect(starter.machineVersion(spec(version), dataDir)).toBe(runs);
    expect(starter.command(context(version, dataDir)).command).toBe(
      join(root, major, 'bin', 'postgres'),
    );
  });

  it('keeps the major that created an existing data directory', () => {
    const dataDir = join(root, 'data-14');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'PG_VERSION'), '14\n');
    const installs = installedPostgres(root);
    expect(choosePostgres('16.1', installs, dataDir)?.major).toBe(14);
    expect(postgresStarter({ root }).machineVersion(spec('16.1'), dataDir)).toBe('14.11');
    // A data directory of a major no longer installed falls back to the spec's rule.
    writeFileSync(join(dataDir, 'PG_VERSION'), '12\n');
    expect(choosePostgres('16.1', installs, dataDir)?.major).toBe(16);
  });

  it('is unavailable when no major is installed', () => {
    const starter = postgresStarter({ root: join(root, 'missing') });
    expect(starter.binary).toMatch(/\/none\/bin\/postgres$/);
    expect(choosePostgres('15.5', [])).toBeUndefined();
  });
});
