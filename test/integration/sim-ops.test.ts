/**
 * The simulated KubeDB ops-manager over HTTP: every common OpsRequest type per engine reaches
 * Successful and its change lands on the database, its pods and PVCs.
 */
import { describe, expect, it } from 'vitest';
import { phaseOf, waitFor } from '../../sim/operator/test-support';
import { bigger, conditionTypes, ENGINES, mainOf, useSimOps } from '../helpers/sim-ops';

const sim = useSimOps('sim-ops', 11);
const { readyDatabase, db, runOps, pods } = sim;

describe.each(ENGINES)('$kind OpsRequests', (e) => {
  it('UpdateVersion moves the database and its pods to the target version', async () => {
    const { namespace } = await readyDatabase(e);
    const done = await runOps(e, namespace, 'upgrade', {
      type: 'UpdateVersion',
      updateVersion: { targetVersion: e.upgrade.to },
    });
    expect(conditionTypes(done)).toEqual([
      'Progressing',
      'UpdatePetSets',
      'RestartPods',
      'UpdateVersion',
      'Successful',
    ]);
    expect((db(e, namespace)?.spec as { version: string }).version).toBe(e.upgrade.to);
    for (const pod of pods(namespace))
      expect(mainOf(pod, e.container)?.image).toContain(e.upgrade.image);
    await waitFor(() => phaseOf(db(e, namespace)) === 'Ready', 'Ready after the upgrade');
  });

  it('HorizontalScaling changes the number of pods', async () => {
    const { namespace } = await readyDatabase(e);
    await runOps(e, namespace, 'scale', {
      type: 'HorizontalScaling',
      horizontalScaling: e.scale.block,
    });
    expect(pods(namespace)).toHaveLength(e.scale.pods);
    expect(sim.cluster.state.list('v1', 'PersistentVolumeClaim', { namespace })).toHaveLength(
      e.scale.pods,
    );
    await waitFor(() => phaseOf(db(e, namespace)) === 'Ready', 'Ready after scaling');
  });

  it('VerticalScaling changes the container resources on the database and the pods', async () => {
    const { namespace } = await readyDatabase(e);
    const before = pods(namespace).map((p) => p.metadata.uid);
    await runOps(e, namespace, 'vscale', {
      type: 'VerticalScaling',
      verticalScaling: { [e.key]: { resources: bigger } },
    });
    const containers = (
      db(e, namespace)?.spec as {
        podTemplate: { spec: { containers: { name: string; resources: unknown }[] } };
      }
    ).podTemplate.spec.containers;
    expect(containers.find((c) => c.name === e.container)?.resources).toEqual(bigger);
    for (const pod of pods(namespace)) {
      expect(mainOf(pod, e.container)?.resources).toEqual(bigger);
      expect(before).not.toContain(pod.metadata.uid);
    }
  });

  it('VolumeExpansion grows the PVCs and the storage in the spec', async () => {
    const { namespace } = await readyDatabase(e);
    await runOps(e, namespace, 'grow', {
      type: 'VolumeExpansion',
      volumeExpansion: { mode: 'Online', [e.key]: '2Gi' },
    });
    expect(
      (db(e, namespace)?.spec as { storage: { resources: { requests: { storage: string } } } })
        .storage.resources.requests.storage,
    ).toBe('2Gi');
    for (const pvc of sim.cluster.state.list('v1', 'PersistentVolumeClaim', { namespace })) {
      expect(pvc.spec).toMatchObject({ resources: { requests: { storage: '2Gi' } } });
      expect(pvc.status).toMatchObject({ capacity: { storage: '2Gi' } });
    }
  });

  it('Restart replaces every pod', async () => {
    const { namespace } = await readyDatabase(e);
    const before = pods(namespace).map((p) => p.metadata.uid);
    const done = await runOps(e, namespace, 'restart', { type: 'Restart', restart: {} });
    expect(conditionTypes(done)).toContain('RestartPods');
    const after = pods(namespace);
    expect(after).toHaveLength(before.length);
    for (const pod of after) expect(before).not.toContain(pod.metadata.uid);
    const reasons = sim.cluster.state
      .list('v1', 'Event', { namespace })
      .filter((ev) => (ev.involvedObject as { name: string }).name === 'restart')
      .map((ev) => ev.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Starting', 'RestartPods', 'Successful']));
  });

  it('Reconfigure applies the configuration to the database', async () => {
    const { namespace } = await readyDatabase(e);
    await runOps(e, namespace, 'reconfigure', {
      type: 'Reconfigure',
      configuration: e.configuration,
    });
    const inline = (db(e, namespace)?.spec as { configuration: { inline: Record<string, string> } })
      .configuration.inline;
    expect(Object.keys(inline)).toContain(e.configFile);
  });

  it('ReconfigureTLS adds TLS with certificate secrets', async () => {
    const { namespace } = await readyDatabase(e);
    await runOps(e, namespace, 'tls', {
      type: 'ReconfigureTLS',
      tls: { issuerRef: { apiGroup: 'cert-manager.io', kind: 'Issuer', name: 'ca-issuer' } },
    });
    expect(db(e, namespace)?.spec).toMatchObject({ tls: { issuerRef: { name: 'ca-issuer' } } });
    // Elasticsearch has no `server` certificate: HTTP TLS is the `http` alias.
    const cert = e.kind === 'Elasticsearch' ? 'db-http-cert' : 'db-server-cert';
    expect(sim.cluster.state.get('v1', 'Secret', namespace, cert)?.type).toBe('kubernetes.io/tls');
  });

  it('RotateAuth changes the password and keeps the previous one', async () => {
    const { namespace } = await readyDatabase(e);
    const before = (await sim.core.readNamespacedSecret({ name: 'db-auth', namespace })).data ?? {};
    await runOps(e, namespace, 'rotate', { type: 'RotateAuth' });
    const after = (await sim.core.readNamespacedSecret({ name: 'db-auth', namespace })).data ?? {};
    expect(after.password).not.toBe(before.password);
    expect(after['password.prev']).toBe(before.password);
    expect(after.username).toBe(before.username);
  });
});
