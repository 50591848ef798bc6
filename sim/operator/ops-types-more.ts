/**
 * OpsRequest types beyond sizing and versions: TLS, credentials, storage class migration,
 * failover, and the engine-specific types that change a spec field or only restart.
 */
import { authSecretName } from './children';
import { tlsSecretNames } from './children-extras';
import { DB_API, ENGINES, baseLabels } from './engines';
import type { Handler } from './ops-types';
import { componentEntries } from './ops-components';
import { asRecord, b64, getPath, nowIso, randomPassword, setPath, text } from './util';

export const reconfigureTls: Handler = async (run, step, deps) => {
  const tls = asRecord(run.opsSpec.tls);
  const db = run.db();
  const name = db.metadata.name ?? '';
  const labels = {
    ...baseLabels(ENGINES[run.kind], name),
    'app.kubernetes.io/component': 'database',
  };
  // The certificates of the TLS settings after the request (before, when it removes TLS).
  const after = structuredClone(db);
  const afterSpec = asRecord(after.spec);
  after.spec = afterSpec;
  if (tls.remove !== true)
    afterSpec.tls = {
      ...asRecord(afterSpec.tls),
      ...(tls.issuerRef ? { issuerRef: tls.issuerRef } : {}),
      ...(tls.certificates ? { certificates: tls.certificates } : {}),
    };
  if (run.kind === 'Elasticsearch' && tls.issuerRef) afterSpec.enableSSL = true;
  const certs = tlsSecretNames(run.state, run.kind, after, run.layout(after));
  await step('Issuing', 'Issued the certificates', () => {
    for (const cert of certs) {
      const existing = run.state.get('v1', 'Secret', run.namespace, cert);
      if (tls.remove === true) {
        if (existing)
          run.state.delete('v1', 'Secret', run.namespace, cert, { skipAdmission: true });
        continue;
      }
      const data = {
        'tls.crt': b64(`sim-cert ${cert} ${randomPassword(deps.random, 24)}`),
        'tls.key': b64(randomPassword(deps.random, 32)),
        'ca.crt': b64('sim-ca'),
      };
      if (existing) run.state.update({ ...existing, data }, { skipAdmission: true });
      else
        run.state.create(
          {
            apiVersion: 'v1',
            kind: 'Secret',
            type: 'kubernetes.io/tls',
            metadata: { name: cert, namespace: run.namespace, labels },
            data,
          },
          { skipAdmission: true },
        );
    }
  });
  await step('CertificateSynced', 'Synced the certificates into the database', () => {
    run.patchDbSpec((spec) => {
      if (tls.remove === true) {
        delete spec.tls;
        if (run.kind === 'Postgres') spec.sslMode = 'disable';
        if (run.kind === 'MySQL' || run.kind === 'MariaDB') spec.requireSSL = false;
        return;
      }
      const current = asRecord(spec.tls);
      spec.tls = {
        ...current,
        ...(tls.issuerRef ? { issuerRef: tls.issuerRef } : {}),
        ...(tls.certificates ? { certificates: tls.certificates } : {}),
      };
      if (run.kind === 'Postgres') {
        if (tls.sslMode !== undefined) spec.sslMode = tls.sslMode;
        if (tls.clientAuthMode !== undefined) spec.clientAuthMode = tls.clientAuthMode;
      }
      if ((run.kind === 'MySQL' || run.kind === 'MariaDB') && tls.requireSSL !== undefined)
        spec.requireSSL = tls.requireSSL;
      if (run.kind === 'Elasticsearch' && tls.issuerRef) spec.enableSSL = true;
    });
  });
  await step('RestartPods', 'Successfully restarted the pods with the new TLS settings', (signal) =>
    run.rollPods(signal),
  );
};

export const rotateAuth: Handler = async (run, step, deps) => {
  const ref = getPath(run.opsSpec, ['authentication', 'secretRef', 'name']);
  await step('UpdateCredential', 'Successfully rotated the database credentials', () => {
    const db = run.db();
    const currentName = authSecretName(db);
    const current = run.state.get('v1', 'Secret', run.namespace, currentName);
    const currentData = asRecord(current?.data) as Record<string, string>;
    const prev = {
      'username.prev': currentData.username ?? b64(ENGINES[run.kind].superuser),
      'password.prev': currentData.password ?? '',
    };
    if (typeof ref === 'string' && ref !== currentName) {
      const target = run.state.get('v1', 'Secret', run.namespace, ref);
      if (!target) throw new Error(`secret ${run.namespace}/${ref} not found`);
      run.state.update(
        { ...target, data: { ...(asRecord(target.data) as Record<string, string>), ...prev } },
        { skipAdmission: true },
      );
      run.patchDbSpec((spec) => {
        spec.authSecret = { ...asRecord(spec.authSecret), kind: 'Secret', name: ref };
      });
    } else if (current) {
      run.state.update(
        {
          ...current,
          data: { ...currentData, ...prev, password: b64(randomPassword(deps.random)) },
        },
        { skipAdmission: true },
      );
    }
    if (run.kind !== 'Elasticsearch') {
      const fresh = run.db();
      run.state.updateStatus(
        {
          ...fresh,
          status: { ...asRecord(fresh.status), authSecret: { lastUpdateTimestamp: nowIso() } },
        },
        { skipAdmission: true },
      );
    }
  });
};

export const storageMigration: Handler = async (run, step) => {
  const migration = asRecord(run.opsSpec.migration);
  const cls =
    typeof migration.storageClassName === 'string' ? migration.storageClassName : undefined;
  const perComponent = componentEntries(run.kind, migration, asRecord(run.db().spec)).filter(
    (e) => e.target.storagePath,
  );
  const targets = cls
    ? [{ path: undefined as string[] | undefined, cls }]
    : perComponent.map((e) => ({
        path: e.target.storagePath,
        cls: text(asRecord(e.value).storageClassName),
      }));
  await step('StorageMigration', 'Successfully migrated the volumes', async (signal) => {
    for (const t of targets) run.migrateVolumes(t.path, t.cls);
    run.patchDbSpec((spec) => {
      for (const t of targets) {
        if (t.path) setPath(spec, [...t.path.slice(1), 'storageClassName'], t.cls);
        else if (spec.storage !== undefined) setPath(spec, ['storage', 'storageClassName'], t.cls);
      }
    });
    await run.rollPods(signal);
  });
};

export const forceFailOver: Handler = async (run, step, deps) => {
  const candidates = getPath(run.opsSpec, ['forceFailOver', 'candidates']);
  const name = run.dbName;
  await step('ForceFailOver', 'Successfully failed over to a new primary', async (signal) => {
    const pods = run.state.list('v1', 'Pod', {
      namespace: run.namespace,
      labels: baseLabels(ENGINES[run.kind], name),
    });
    const standby = pods.find((p) => p.metadata.labels?.['kubedb.com/role'] === 'standby');
    const candidate =
      Array.isArray(candidates) && typeof candidates[0] === 'string'
        ? candidates[0]
        : standby?.metadata.name;
    if (!candidate) throw new Error('no standby is available to take over');
    deps.pods.forcedPrimary.set(`${run.namespace}/${name}`, candidate);
    deps.nudgePetSets();
    await run.runtime.waitFor(
      () =>
        run.state.get('v1', 'Pod', run.namespace, candidate)?.metadata.labels?.[
          'kubedb.com/role'
        ] === 'primary',
      signal,
    );
  });
};

export const specChange =
  (
    type: string,
    message: string,
    mutate: (spec: Record<string, unknown>, ops: Record<string, unknown>) => void,
    restart = true,
  ): Handler =>
  async (run, step) => {
    await step(type, message, () => run.patchDbSpec((spec) => mutate(spec, run.opsSpec)));
    if (restart)
      await step('RestartPods', 'Successfully restarted the pods', (signal) =>
        run.rollPods(signal),
      );
  };

/** Redis ReplaceSentinel: points the database at another sentinel; `removeUnusedSentinel`
 * deletes the old one when no Redis uses it any more. */
export const replaceSentinel: Handler = async (run, step) => {
  let old: Record<string, unknown> = {};
  const ref = asRecord(getPath(run.opsSpec, ['sentinel', 'ref']));
  await step('ReplaceSentinel', 'Successfully replaced the sentinel', () =>
    run.patchDbSpec((spec) => {
      old = asRecord(spec.sentinelRef);
      if (ref.name !== undefined) spec.sentinelRef = ref;
    }),
  );
  await step('RestartPods', 'Successfully restarted the pods', (signal) => run.rollPods(signal));
  const oldName = text(old.name);
  const oldNamespace = text(old.namespace, run.namespace);
  if (
    getPath(run.opsSpec, ['sentinel', 'removeUnusedSentinel']) !== true ||
    !oldName ||
    (oldName === text(ref.name) && oldNamespace === text(ref.namespace, run.namespace))
  )
    return;
  await step('RemoveUnusedSentinel', 'Successfully removed the unused sentinel', () => {
    const used = run.state.list(DB_API, 'Redis').some((r) => {
      const s = asRecord(getPath(r, ['spec', 'sentinelRef']));
      return text(s.name) === oldName && text(s.namespace, r.metadata.namespace) === oldNamespace;
    });
    if (!used && run.state.get(DB_API, 'RedisSentinel', oldNamespace, oldName))
      run.state.delete(DB_API, 'RedisSentinel', oldNamespace, oldName);
  });
};

export const noteOnly =
  (type: string, message: string, restart = false): Handler =>
  async (run, step) => {
    await step(type, message, () => undefined);
    if (restart)
      await step('RestartPods', 'Successfully restarted the pods', (signal) =>
        run.rollPods(signal),
      );
  };

/** The handler for an OpsRequest type (undefined: not supported by this engine). */
