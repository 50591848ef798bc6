/**
 * The simulated KubeDB provisioner, driven over HTTP with client-node: objects, labels, phases,
 * deletion policies, halting and pod failures, for each of the six engines.
 */
import { describe, expect, it } from 'vitest';
import { recordPhases, waitFor } from '../../sim/operator/test-support';
import { CASES, exists, useSimDatabases } from '../helpers/sim-databases';

const sim = useSimDatabases('sim-db', 7);
const { newNamespace, dbApi, provision } = sim;

describe.each(CASES)('$kind', (c) => {
  it('creates the auth secret, services, PetSets, pods and PVCs and walks Provisioning to Ready', async () => {
    const namespace = await newNamespace();
    const name = `db${sim.counter()}`;
    const recorder = recordPhases(sim.cluster.state, c.kind, namespace, name);
    const api = dbApi(c, namespace, name);
    await api.create(c.spec(name));
    await waitFor(() => api.phase() === 'Ready', `${c.kind} Ready`);
    recorder.stop();
    expect(recorder.phases[0]).toBe('Provisioning');
    expect(recorder.phases[recorder.phases.length - 1]).toBe('Ready');

    const db = await api.get();
    expect((db.spec.authSecret as { name: string }).name).toBe(`${name}-auth`);
    expect(db.metadata.finalizers).toContain('kubedb.com');
    const status = db.status as {
      observedGeneration: number;
      conditions: { type: string; status: string }[];
    };
    expect(status.observedGeneration).toBe(db.metadata.generation);
    expect(status.conditions.map((x) => x.type)).toEqual([
      'ProvisioningStarted',
      'ReplicaReady',
      'AcceptingConnection',
      'Ready',
      'Provisioned',
    ]);

    const secret = await sim.core.readNamespacedSecret({ name: `${name}-auth`, namespace });
    expect(secret.type).toBe('kubernetes.io/basic-auth');
    expect(Buffer.from(secret.data?.username ?? '', 'base64').toString()).toBe(c.user);
    expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).toHaveLength(16);

    const services = (await sim.core.listNamespacedService({ namespace })).items
      .map((s) => s.metadata?.name)
      .sort();
    expect(services).toEqual(c.services(name).sort());
    for (const petset of c.petsets(name)) {
      const ps = (await sim.custom.getNamespacedCustomObject({
        group: 'apps.k8s.appscode.com',
        version: 'v1',
        namespace,
        plural: 'petsets',
        name: petset,
      })) as { metadata: { ownerReferences: { name: string }[] } };
      expect(ps.metadata.ownerReferences[0]?.name).toBe(name);
    }

    const pods = (
      await sim.core.listNamespacedPod({
        namespace,
        labelSelector: `app.kubernetes.io/instance=${name}`,
      })
    ).items;
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual(c.pods(name).sort());
    for (const pod of pods) {
      expect(pod.metadata?.labels).toMatchObject({
        'app.kubernetes.io/name': `${c.plural}.kubedb.com`,
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/managed-by': 'kubedb.com',
        'app.kubernetes.io/component': 'database',
      });
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
      const main = pod.spec?.containers.find((x) => x.name === c.container);
      expect(main?.resources?.requests).toEqual({ cpu: '250m', memory: '512Mi' });
    }
    if (c.roles) {
      const roles = pods.map((p) => p.metadata?.labels?.['kubedb.com/role']);
      expect(roles).toContain(c.roles[0]);
      expect(roles).toContain(c.roles[1]);
    }
    const pvcs = (await sim.core.listNamespacedPersistentVolumeClaim({ namespace })).items
      .map((p) => p.metadata?.name)
      .sort();
    expect(pvcs).toEqual(
      c
        .pods(name)
        .map((p) => `${c.claim ?? 'data'}-${p}`)
        .sort(),
    );
  });

  it('Delete keeps the auth secret and removes the workload and the PVCs', async () => {
    const { namespace, name, api } = await provision(c, { deletionPolicy: 'Delete' });
    await api.delete();
    await waitFor(async () => !(await exists(() => api.get())), 'database gone');
    await waitFor(
      async () =>
        (await sim.core.listNamespacedPersistentVolumeClaim({ namespace })).items.length === 0,
      'PVCs gone',
    );
    await waitFor(
      async () => (await sim.core.listNamespacedPod({ namespace })).items.length === 0,
      'pods gone',
    );
    expect((await sim.core.listNamespacedService({ namespace })).items).toHaveLength(0);
    expect(
      await exists(() => sim.core.readNamespacedSecret({ name: `${name}-auth`, namespace })),
    ).toBe(true);
  });

  it('WipeOut removes the secrets and the PVCs', async () => {
    const { namespace, name, api } = await provision(c, { deletionPolicy: 'WipeOut' });
    await api.delete();
    await waitFor(async () => !(await exists(() => api.get())), 'database gone');
    await waitFor(
      async () =>
        (await sim.core.listNamespacedPersistentVolumeClaim({ namespace })).items.length === 0,
      'PVCs gone',
    );
    expect(
      await exists(() => sim.core.readNamespacedSecret({ name: `${name}-auth`, namespace })),
    ).toBe(false);
  });

  it('Halt keeps the PVCs and secrets when the database is deleted', async () => {
    const { namespace, name, api } = await provision(c, { deletionPolicy: 'Halt' });
    await api.delete();
    await waitFor(async () => !(await exists(() => api.get())), 'database gone');
    await waitFor(
      async () => (await sim.core.listNamespacedPod({ namespace })).items.length === 0,
      'pods gone',
    );
    expect((await sim.core.listNamespacedPersistentVolumeClaim({ namespace })).items).toHaveLength(
      c.pods(name).length,
    );
    expect(
      await exists(() => sim.core.readNamespacedSecret({ name: `${name}-auth`, namespace })),
    ).toBe(true);
  });

  it('DoNotTerminate refuses the deletion at admission', async () => {
    const { api } = await provision(c, { deletionPolicy: 'DoNotTerminate' });
    const error = await api.delete().then(
      () => undefined,
      (e: { code: number; body: string }) => e,
    );
    expect(error?.code).toBe(400);
    expect(String(error?.body)).toContain("can't be terminated");
    expect(api.phase()).toBe('Ready');
  });

  it('halts with spec.halted and resumes when un-halted', async () => {
    const { namespace, name, api } = await provision(c);
    const db = await api.get();
    await api.replace({ ...db, spec: { ...db.spec, halted: true } });
    await waitFor(() => api.phase() === 'Halted', 'Halted');
    expect((await api.get()).spec.deletionPolicy).toBe('Halt');
    await waitFor(
      async () => (await sim.core.listNamespacedPod({ namespace })).items.length === 0,
      'pods gone',
    );
    expect((await sim.core.listNamespacedPersistentVolumeClaim({ namespace })).items).toHaveLength(
      c.pods(name).length,
    );
    const halted = await api.get();
    await api.replace({ ...halted, spec: { ...halted.spec, halted: false } });
    await waitFor(() => api.phase() === 'Ready', 'Ready again');
    expect((await sim.core.listNamespacedPod({ namespace })).items).toHaveLength(
      c.pods(name).length,
    );
  });

  it('goes Critical while a pod crashes and Ready when it recovers', async () => {
    const { namespace, name, api } = await provision(c);
    const pod = c.pods(name)[0] as string;
    sim.cluster.faults.crashPod(namespace, pod);
    await waitFor(() => api.phase() === 'Critical', 'Critical');
    const crashed = await sim.core.readNamespacedPod({ name: pod, namespace });
    expect(crashed.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    sim.cluster.faults.recoverPod(namespace, pod);
    await waitFor(() => api.phase() === 'Ready', 'Ready after recovery');
  });

  it('recreates a pod a client deletes, passing through Critical', async () => {
    const { namespace, name, api } = await provision(c);
    const recorder = recordPhases(sim.cluster.state, c.kind, namespace, name);
    const pod = c.pods(name)[1] as string;
    const before = await sim.core.readNamespacedPod({ name: pod, namespace });
    await sim.core.deleteNamespacedPod({ name: pod, namespace });
    await waitFor(async () => {
      const next = await sim.core.readNamespacedPod({ name: pod, namespace });
      return next.metadata?.uid !== before.metadata?.uid && api.phase() === 'Ready';
    }, 'pod recreated and Ready');
    recorder.stop();
    expect(recorder.phases).toEqual(['Critical', 'Ready']);
  });

  it('goes NotReady when every pod is down and Ready when they return', async () => {
    const { namespace, name, api } = await provision(c);
    sim.cluster.faults.downDatabase(c.kind, namespace, name);
    await waitFor(() => api.phase() === 'NotReady', 'NotReady');
    sim.cluster.faults.recoverDatabase(c.kind, namespace, name);
    await waitFor(() => api.phase() === 'Ready', 'Ready');
  });
});
