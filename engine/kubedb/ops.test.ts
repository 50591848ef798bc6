import { describe, expect, it } from 'vitest';
import type { Engine } from '../domain';
import { MATRIX, database, get, loadCrdValidator } from './conformance/crd-validator';
import { crdsDirForTests } from '../../sim/apiserver/testing';
import {
  buildHorizontalScaling,
  buildReconfigure,
  buildRestart,
  buildRotateAuth,
  buildUpdateVersion,
  buildVerticalScaling,
  buildVolumeExpansion,
  opsRequestName,
} from './index';

const validate = loadCrdValidator(crdsDirForTests());

describe('OpsRequests', () => {
  const ops = (engine: Engine, mode: string) => ({
    database: database(engine, mode),
    operationId: '01JD5T1MQ9XW3Y0K8ZP2N7VCBA',
  });

  it.each(MATRIX)('%s %s: every OpsRequest type validates against the CRD', (engine, mode) => {
    const input = ops(engine, mode);
    const objects = [
      buildVerticalScaling(input, { cpu: '1', memory: '4Gi' }),
      buildVolumeExpansion(input, '20Gi'),
      buildUpdateVersion(input, '9.0.0'),
      buildRestart(input),
      buildRotateAuth(input),
      buildRotateAuth(input, 'new-auth'),
      buildReconfigure(input, { 'custom.conf': 'x = 1' }),
    ];
    if (mode !== 'standalone') objects.push(buildHorizontalScaling(input, { replicas: 5 }));
    for (const object of objects) {
      expect(validate(object), `${object.kind} ${String(get(object, 'spec.type'))}`).toBe('');
      expect(object.metadata.name.length).toBeLessThanOrEqual(63);
      expect(object.spec).toMatchObject({ databaseRef: { name: input.database.name } });
      expect(object.metadata.labels?.['dbaas.kubedb.dev/operation-id']).toBe(input.operationId);
    }
  });

  it('uses each engine’s own horizontal scaling fields', () => {
    const block = (engine: Engine, mode: string, shards?: number) =>
      get(
        buildHorizontalScaling(
          ops(engine, mode),
          shards ? { replicas: 5, shards } : { replicas: 5 },
        ),
        'spec.horizontalScaling',
      );
    expect(block('postgres', 'cluster')).toEqual({
      replicas: 5,
      standbyMode: 'Hot',
      streamingMode: 'Asynchronous',
    });
    expect(block('mysql', 'group-replication')).toEqual({ member: 5 });
    expect(block('mariadb', 'galera')).toEqual({ member: 5 });
    expect(block('mongodb', 'replicaset')).toEqual({ replicas: 5 });
    expect(block('mongodb', 'sharded', 3)).toEqual({ shard: { replicas: 5, shards: 3 } });
    expect(block('redis', 'cluster', 4)).toEqual({ replicas: 5, shards: 4 });
    expect(block('redis', 'sentinel')).toEqual({ replicas: 5 });
    expect(block('elasticsearch', 'combined')).toEqual({ node: 5 });
    expect(block('elasticsearch', 'topology')).toEqual({ topology: { data: 5 } });
    // KubeDB's HorizontalScaling takes a standalone Postgres to several replicas too.
    expect(block('postgres', 'standalone')).toMatchObject({ replicas: 5 });
  });

  it('keys vertical scaling and volume expansion by component', () => {
    const resources = { requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '4Gi' } };
    const vertical = (engine: Engine, mode: string) =>
      get(
        buildVerticalScaling(ops(engine, mode), { cpu: '1', memory: '4Gi' }),
        'spec.verticalScaling',
      );
    expect(vertical('postgres', 'cluster')).toEqual({ postgres: { resources } });
    expect(vertical('mysql', 'standalone')).toEqual({ mysql: { resources } });
    expect(vertical('mongodb', 'replicaset')).toEqual({ replicaSet: { resources } });
    expect(Object.keys(vertical('mongodb', 'sharded') as object)).toEqual([
      'shard',
      'configServer',
      'mongos',
    ]);
    expect(vertical('elasticsearch', 'combined')).toEqual({ node: { resources } });
    const volume = (engine: Engine, mode: string) =>
      get(buildVolumeExpansion(ops(engine, mode), '20Gi'), 'spec.volumeExpansion');
    expect(volume('postgres', 'standalone')).toEqual({ mode: 'Online', postgres: '20Gi' });
    expect(volume('mariadb', 'galera')).toEqual({ mode: 'Online', mariadb: '20Gi' });
    expect(volume('redis', 'cluster')).toEqual({ mode: 'Online', redis: '20Gi' });
    expect(volume('mongodb', 'standalone')).toEqual({ mode: 'Online', standalone: '20Gi' });
    expect(volume('elasticsearch', 'topology')).toEqual({
      mode: 'Online',
      master: '20Gi',
      ingest: '20Gi',
      data: '20Gi',
    });
  });

  it('sets type, timeout, apply and the type-specific block', () => {
    const input = ops('postgres', 'cluster');
    expect(buildUpdateVersion(input, '18.3').spec).toEqual({
      type: 'UpdateVersion',
      databaseRef: { name: 'postgres-db' },
      timeout: '30m',
      apply: 'IfReady',
      updateVersion: { targetVersion: '18.3' },
    });
    expect(buildRestart(input).spec).toMatchObject({
      type: 'Restart',
      restart: {},
      apply: 'Always',
    });
    expect(buildRotateAuth(input, 'x').spec).toMatchObject({
      type: 'RotateAuth',
      authentication: { secretRef: { kind: 'Secret', name: 'x' } },
    });
    expect(
      get(
        buildReconfigure(ops('mongodb', 'replicaset'), { 'mongod.conf': 'a' }),
        'spec.configuration',
      ),
    ).toEqual({
      replicaSet: { applyConfig: { 'mongod.conf': 'a' } },
    });
  });

  it('derives a deterministic name of at most 63 characters from the operation id', () => {
    const name = opsRequestName('orders', 'HorizontalScaling', 'op-1');
    expect(name).toMatch(/^orders-hscale-[0-9a-f]{8}$/);
    expect(opsRequestName('orders', 'HorizontalScaling', 'op-1')).toBe(name);
    expect(opsRequestName('orders', 'HorizontalScaling', 'op-2')).not.toBe(name);
    const longest = opsRequestName('a'.repeat(42), 'Reconfigure', 'op-1');
    expect(longest.length).toBeLessThanOrEqual(63);
    expect(opsRequestName('a'.repeat(80), 'RotateAuth', 'op-1')).toHaveLength(63);
  });
});
