import { describe, expect, it } from 'vitest';
import {
  confirmFailure,
  endpointFor,
  endpointForPhase,
  expectedPods,
  mapDatabaseStatus,
  readOpsRequestStatus,
  readyReplicasFromPetSets,
  readyReplicasFromPods,
  statusReasonOf,
  type KubeObject,
} from './index';

describe('KubeDB phase -> product status', () => {
  it.each([
    ['Provisioning', 'PROVISIONING'],
    ['DataRestoring', 'PROVISIONING'],
    ['', 'PROVISIONING'],
    ['Ready', 'RUNNING'],
    ['Halted', 'PAUSED'],
  ] as const)('maps %s to %s', (phase, status) => {
    expect(mapDatabaseStatus({ phase })).toEqual({ status, failing: false });
  });

  it.each(['Critical', 'NotReady', 'Failed'])('makes %s a FAILED candidate', (phase) => {
    expect(mapDatabaseStatus({ phase })).toEqual({ status: 'FAILED', failing: true });
  });

  it('shows the running operation over a degraded phase', () => {
    expect(
      mapDatabaseStatus({ phase: 'Critical', activeOperation: 'scale-horizontal' }).status,
    ).toBe('SCALING');
    expect(mapDatabaseStatus({ phase: 'NotReady', activeOperation: 'update-version' }).status).toBe(
      'UPDATING',
    );
    expect(mapDatabaseStatus({ phase: 'Ready', activeOperation: 'expand-volume' }).status).toBe(
      'SCALING',
    );
    expect(mapDatabaseStatus({ phase: 'Ready', activeOperation: 'create' }).status).toBe('RUNNING');
    expect(mapDatabaseStatus({ phase: 'Halted', activeOperation: 'resume' }).status).toBe(
      'UPDATING',
    );
  });

  it('maps deletion, absence and Unknown', () => {
    expect(mapDatabaseStatus({ phase: 'Ready', deleting: true }).status).toBe('DELETING');
    expect(mapDatabaseStatus({ phase: null, activeOperation: 'delete' }).status).toBe('DELETED');
    expect(mapDatabaseStatus({ phase: null }).status).toBe('PENDING');
    expect(mapDatabaseStatus({ phase: 'Unknown', previous: 'RUNNING' }).status).toBe('RUNNING');
  });

  it('confirms FAILED only after the threshold', () => {
    const failing = { status: 'FAILED' as const, failing: true };
    const options = { previous: 'RUNNING' as const, failingSinceMs: 1_000, thresholdMs: 60_000 };
    expect(confirmFailure(failing, { ...options, nowMs: 30_000 })).toBe('RUNNING');
    expect(confirmFailure(failing, { ...options, nowMs: 61_000 })).toBe('FAILED');
    expect(confirmFailure({ status: 'RUNNING', failing: false }, { ...options, nowMs: 0 })).toBe(
      'RUNNING',
    );
  });
});

describe('endpoint and replicas', () => {
  it('uses the primary service and the engine port', () => {
    expect(endpointFor({ engine: 'mongodb', name: 'events', namespace: 'acme-shop' })).toEqual({
      host: 'events.acme-shop.svc',
      port: 27017,
    });
    expect(endpointForPhase({ engine: 'postgres', name: 'a', namespace: 'n' }, 'Ready')).toEqual({
      host: 'a.n.svc',
      port: 5432,
    });
    expect(
      endpointForPhase({ engine: 'postgres', name: 'a', namespace: 'n' }, 'Provisioning'),
    ).toBeNull();
  });

  const pod = (name: string, instance: string, ready: boolean): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { 'app.kubernetes.io/instance': instance } },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });

  it('counts ready pods of the instance only', () => {
    const pods = [
      pod('a-0', 'a', true),
      pod('a-1', 'a', false),
      pod('a-2', 'a', true),
      pod('a-sentinel-0', 'a-sentinel', true),
    ];
    expect(readyReplicasFromPods(pods, 'a')).toBe(2);
    // The Postgres arbiter and MongoDB's arbiter / hidden members are not replicas.
    const extra = (podName: string, labels: Record<string, string>): KubeObject => {
      const p = pod(podName, 'a', true);
      p.metadata.labels = { ...p.metadata.labels, ...labels };
      return p;
    };
    expect(
      readyReplicasFromPods(
        [
          ...pods,
          extra('a-arbiter-0', { 'kubedb.com/role': 'arbiter' }),
          extra('a-rs-arbiter-0', { 'mongodb.kubedb.com/node.type': 'arbiter' }),
          extra('a-rs-hidden-0', { 'mongodb.kubedb.com/node.type': 'hidden' }),
          extra('a-3', { 'kubedb.com/role': 'standby' }),
        ],
        'a',
      ),
    ).toBe(3);
    const petSets: KubeObject[] = [
      {
        apiVersion: 'apps.k8s.appscode.com/v1',
        kind: 'PetSet',
        metadata: { name: 'a-shard0', labels: { 'app.kubernetes.io/instance': 'a' } },
        status: { readyReplicas: 3 },
      },
      {
        apiVersion: 'apps.k8s.appscode.com/v1',
        kind: 'PetSet',
        metadata: { name: 'a-shard1', labels: { 'app.kubernetes.io/instance': 'a' } },
        status: { readyReplicas: 2 },
      },
    ];
    expect(readyReplicasFromPetSets(petSets, 'a')).toBe(5);
  });

  it('knows how many pods each topology has', () => {
    expect(
      expectedPods({ engine: 'mongodb', mode: 'sharded', replicas: 3, topology: { shards: 2 } }),
    ).toBe(2 * 3 + 3 + 2);
    expect(expectedPods({ engine: 'redis', mode: 'cluster', replicas: 2, topology: {} })).toBe(6);
    expect(
      expectedPods({
        engine: 'elasticsearch',
        mode: 'topology',
        replicas: 2,
        topology: { masters: 3 },
      }),
    ).toBe(6);
    expect(expectedPods({ engine: 'postgres', mode: 'cluster', replicas: 3, topology: {} })).toBe(
      3,
    );
  });

  it('explains a status by the first failing condition', () => {
    const object: KubeObject = {
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'a' },
      status: {
        phase: 'Critical',
        conditions: [
          { type: 'Paused', status: 'False' },
          {
            type: 'ReplicaReady',
            status: 'False',
            reason: 'SomeReplicasNotReady',
            message: '1 of 3 replicas not ready',
          },
        ],
      },
    };
    expect(statusReasonOf(object)).toBe('1 of 3 replicas not ready');
  });
});

describe('OpsRequest status', () => {
  const ops = (status: Record<string, unknown>): KubeObject => ({
    apiVersion: 'ops.kubedb.com/v1alpha1',
    kind: 'PostgresOpsRequest',
    metadata: { name: 'x' },
    status,
  });

  it('reads pending, progressing, successful, failed and skipped', () => {
    expect(readOpsRequestStatus(ops({}))).toMatchObject({
      outcome: 'pending',
      done: false,
      progress: 0,
    });
    const running = readOpsRequestStatus(
      ops({
        phase: 'Progressing',
        conditions: [
          { type: 'Progressing', status: 'True' },
          { type: 'UpdatePetSets', status: 'True' },
          { type: 'RestartPods', status: 'True' },
        ],
      }),
    );
    expect(running).toMatchObject({ outcome: 'running', done: false, progress: 40 });
    expect(readOpsRequestStatus(ops({ phase: 'Successful' }))).toMatchObject({
      outcome: 'succeeded',
      done: true,
      progress: 100,
    });
    expect(
      readOpsRequestStatus(
        ops({
          phase: 'Failed',
          conditions: [
            { type: 'Progressing', status: 'True' },
            {
              type: 'VolumeExpansion',
              status: 'False',
              reason: 'Timeout',
              message: 'step timed out',
            },
          ],
        }),
      ),
    ).toMatchObject({
      outcome: 'failed',
      done: true,
      reason: 'Timeout',
      message: 'step timed out',
    });
    expect(readOpsRequestStatus(ops({ phase: 'Skipped' }))).toMatchObject({
      outcome: 'skipped',
      done: true,
    });
    expect(readOpsRequestStatus(ops({ phase: 'Denied' })).outcome).toBe('failed');
  });
});
