/**
 * The simulated KubeDB ops-manager's scheduling (one at a time, Skipped duplicates, IfReady),
 * timeouts, webhook refusals and ops faults.
 */
import { describe, expect, it } from 'vitest';
import { phaseOf, recordPhases, waitFor } from '../../sim/operator/test-support';
import type { KubeObject } from '../../sim/core/contract';
import { bigger, conditionTypes, ENGINES, useSimOps, type Engine } from '../helpers/sim-ops';

const sim = useSimOps('sim-ops-scheduling', 11);
const { readyDatabase, db, createOps, ops, runOps } = sim;

const PG = ENGINES[0] as Engine;
const MY = ENGINES[1] as Engine;

describe('OpsRequest scheduling and faults', () => {
  it('runs one OpsRequest at a time per database, oldest first, with the database Paused', async () => {
    const { namespace } = await readyDatabase(PG);
    const progressing = new Set<string>();
    let maxConcurrent = 0;
    const started: string[] = [];
    let pausedSeen = false;
    const stop = sim.cluster.state.subscribe(({ object }) => {
      if (
        object.kind === 'Postgres' &&
        object.metadata.namespace === namespace &&
        conditionTypes(object).includes('Paused')
      )
        pausedSeen = true;
      if (object.kind !== PG.opsKind || object.metadata.namespace !== namespace) return;
      const name = object.metadata.name ?? '';
      if (phaseOf(object) === 'Progressing') {
        if (!progressing.has(name)) started.push(name);
        progressing.add(name);
      } else progressing.delete(name);
      maxConcurrent = Math.max(maxConcurrent, progressing.size);
    });
    await createOps(PG, namespace, 'a-restart', { type: 'Restart', restart: {} });
    await createOps(PG, namespace, 'b-vscale', {
      type: 'VerticalScaling',
      verticalScaling: { postgres: { resources: bigger } },
    });
    await createOps(PG, namespace, 'c-grow', {
      type: 'VolumeExpansion',
      volumeExpansion: { mode: 'Offline', postgres: '3Gi' },
    });
    await waitFor(
      () =>
        ['a-restart', 'b-vscale', 'c-grow'].every(
          (n) => phaseOf(ops(PG, namespace, n)) === 'Successful',
        ),
      'all three Successful',
      20_000,
    );
    stop();
    expect(maxConcurrent).toBe(1);
    expect(started).toEqual(['a-restart', 'b-vscale', 'c-grow']);
    expect(pausedSeen).toBe(true);
    expect(conditionTypes(db(PG, namespace) as KubeObject)).not.toContain('Paused');
  });

  it('waits while the database is not Ready (IfReady) and skips older Pending duplicates', async () => {
    const { namespace } = await readyDatabase(PG);
    sim.cluster.faults.crashPod(namespace, 'db-1');
    await waitFor(() => phaseOf(db(PG, namespace)) === 'Critical', 'Critical');
    await createOps(PG, namespace, 'restart-1', { type: 'Restart', restart: {} });
    await createOps(PG, namespace, 'restart-2', { type: 'Restart', restart: {} });
    await waitFor(
      () => phaseOf(ops(PG, namespace, 'restart-1')) === 'Skipped',
      'older duplicate Skipped',
    );
    expect(phaseOf(ops(PG, namespace, 'restart-2'))).toBe('Pending');
    expect(conditionTypes(ops(PG, namespace, 'restart-1') as KubeObject)).toContain('Skipped');
    sim.cluster.faults.recoverPod(namespace, 'db-1');
    await waitFor(
      () => phaseOf(ops(PG, namespace, 'restart-2')) === 'Successful',
      'newest runs once Ready',
    );
  });

  it('fails a step that overruns spec.timeout (stuck OpsRequest)', async () => {
    const { namespace } = await readyDatabase(PG);
    sim.cluster.faults.stickNextOpsRequest(namespace, 'db');
    const recorder = recordPhases(sim.cluster.state, PG.opsKind, namespace, 'stuck');
    await createOps(PG, namespace, 'stuck', { type: 'Restart', restart: {}, timeout: '1m' });
    const failed = await waitFor(
      () =>
        phaseOf(ops(PG, namespace, 'stuck')) === 'Failed' ? ops(PG, namespace, 'stuck') : undefined,
      'Failed on timeout',
    );
    recorder.stop();
    expect(recorder.phases).toEqual(['Pending', 'Progressing', 'Failed']);
    const conditions = (
      failed.status as { conditions: { type: string; status: string; reason: string }[] }
    ).conditions;
    expect(conditions.find((c) => c.type === 'RestartPods')).toMatchObject({
      status: 'False',
      reason: 'Timeout',
    });
    await createOps(PG, namespace, 'after', { type: 'Restart', restart: {} });
    await waitFor(() => phaseOf(ops(PG, namespace, 'after')) === 'Successful', 'the next one runs');
  });

  it('fails the next OpsRequest with the injected reason and leaves the database as it was', async () => {
    const { namespace } = await readyDatabase(PG);
    sim.cluster.faults.failNextOpsRequest(namespace, 'db', 'disk on fire');
    await createOps(PG, namespace, 'doomed', {
      type: 'HorizontalScaling',
      horizontalScaling: { replicas: 5 },
    });
    const failed = await waitFor(
      () =>
        phaseOf(ops(PG, namespace, 'doomed')) === 'Failed'
          ? ops(PG, namespace, 'doomed')
          : undefined,
      'Failed',
    );
    expect(JSON.stringify(failed.status)).toContain('disk on fire');
    expect((db(PG, namespace)?.spec as { replicas: number }).replicas).toBe(3);
    await waitFor(
      () => !conditionTypes(db(PG, namespace) as KubeObject).includes('Paused'),
      'unpaused',
    );
  });

  it('fails a rolling restart that cannot finish within the timeout (apply: Always on a crashed pod)', async () => {
    const { namespace } = await readyDatabase(PG);
    sim.cluster.faults.crashPod(namespace, 'db-0');
    await createOps(PG, namespace, 'restart', {
      type: 'Restart',
      restart: {},
      apply: 'Always',
      timeout: '30s',
    });
    await waitFor(() => phaseOf(ops(PG, namespace, 'restart')) === 'Failed', 'Failed');
    sim.cluster.faults.recoverPod(namespace, 'db-0');
  });

  it('moves the primary role with ForceFailOver', async () => {
    const { namespace } = await readyDatabase(PG);
    await runOps(PG, namespace, 'failover', {
      type: 'ForceFailOver',
      forceFailOver: { candidates: ['db-2'] },
    });
    expect(
      sim.cluster.state.get('v1', 'Pod', namespace, 'db-2')?.metadata.labels?.['kubedb.com/role'],
    ).toBe('primary');
    expect(
      sim.cluster.state.get('v1', 'Pod', namespace, 'db-0')?.metadata.labels?.['kubedb.com/role'],
    ).toBe('standby');
  });

  it('refuses invalid requests at admission like the ops webhook', async () => {
    const { namespace } = await readyDatabase(PG, { version: '16.4' });
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (err: { code: number; body: string }) => ({
          code: err.code,
          message: (JSON.parse(err.body) as { message: string }).message,
        }),
      );
    const downgrade = await refused(
      createOps(PG, namespace, 'down', {
        type: 'UpdateVersion',
        updateVersion: { targetVersion: '16.1' },
      }),
    );
    expect(downgrade).toMatchObject({ code: 400 });
    expect(downgrade?.message).toContain('not supported');
    const shrink = await refused(
      createOps(PG, namespace, 'shrink', {
        type: 'VolumeExpansion',
        volumeExpansion: { mode: 'Online', postgres: '512Mi' },
      }),
    );
    expect(shrink?.message).toContain('must be greater');
    const missing = await refused(
      sim.custom.createNamespacedCustomObject({
        group: 'ops.kubedb.com',
        version: 'v1alpha1',
        namespace,
        plural: PG.opsPlural,
        body: {
          apiVersion: 'ops.kubedb.com/v1alpha1',
          kind: PG.opsKind,
          metadata: { name: 'ghost' },
          spec: { type: 'Restart', databaseRef: { name: 'nope' }, restart: {} },
        },
      }),
    );
    expect(missing?.message).toContain('"nope" not found');
    const my = await readyDatabase(MY);
    for (const member of [2, 10]) {
      const group = await refused(
        createOps(MY, my.namespace, `group-${member}`, {
          type: 'HorizontalScaling',
          horizontalScaling: { member },
        }),
      );
      expect(group?.message).toContain('[3, 9]');
    }
  });

  it('treats the OpsRequest spec as immutable', async () => {
    const { namespace } = await readyDatabase(PG);
    await createOps(PG, namespace, 'frozen', { type: 'Restart', restart: {}, apply: 'Always' });
    const current = (await sim.custom.getNamespacedCustomObject({
      group: 'ops.kubedb.com',
      version: 'v1alpha1',
      namespace,
      plural: PG.opsPlural,
      name: 'frozen',
    })) as KubeObject;
    const error = await sim.custom
      .replaceNamespacedCustomObject({
        group: 'ops.kubedb.com',
        version: 'v1alpha1',
        namespace,
        plural: PG.opsPlural,
        name: 'frozen',
        body: { ...current, spec: { ...(current.spec as object), type: 'Reconfigure' } },
      })
      .then(
        () => undefined,
        (err: { code: number }) => err,
      );
    expect(error?.code).toBe(400);
  });
});
