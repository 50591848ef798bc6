/**
 * The other objects the KubeDB provisioner keeps beside the workloads (REFERENCE section 5): the
 * ServiceAccount the pods run as, the AppBinding (`appcatalog.appscode.com/v1alpha1`) that
 * KubeStash and others connect through, the TLS certificate secrets `<db>-<alias>-cert` (written
 * directly: no cert-manager runs here), and MongoDB's replica-set key file secret `<db>-key`.
 * Each `ensure*` creates what is missing and rewrites only what differs.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterState, KubeObject } from '../core/contract';
import { findVersion } from './catalog';
import { ENGINES, baseLabels, type EngineKind } from './engines';
import type { Layout } from './layout';
import { asRecord, b64, getPath, ownerRef, sameJson, text, truncateName } from './util';

export const APPBINDING_API = 'appcatalog.appscode.com/v1alpha1';

const SCHEMES: Record<EngineKind, string> = {
  Postgres: 'postgresql',
  MySQL: 'tcp',
  MongoDB: 'mongodb',
  MariaDB: 'mysql',
  Redis: 'redis',
  RedisSentinel: 'redis',
  Elasticsearch: 'http',
};

function labelsOf(kind: EngineKind, db: KubeObject): Record<string, string> {
  return {
    ...(db.metadata.labels ?? {}),
    ...baseLabels(ENGINES[kind], db.metadata.name ?? ''),
    'app.kubernetes.io/component': 'database',
  };
}

function createOrUpdate(state: ClusterState, desired: KubeObject, compare: string[]): void {
  const live = state.get(
    desired.apiVersion,
    desired.kind,
    desired.metadata.namespace,
    desired.metadata.name ?? '',
  );
  if (!live) {
    state.create(desired, { skipAdmission: true });
    return;
  }
  const differs = compare.some(
    (field) => !sameJson(getPath(live, [field]), getPath(desired, [field])),
  );
  const labels = { ...(live.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) };
  if (!differs && sameJson(labels, live.metadata.labels ?? {})) return;
  const next: KubeObject = { ...live, metadata: { ...live.metadata, labels } };
  for (const field of compare)
    (next as unknown as Record<string, unknown>)[field] = getPath(desired, [field]);
  state.update(next, { skipAdmission: true });
}

/** The ServiceAccounts the PetSets' pods run as (`<db>` unless the pod template names another). */
export function ensureServiceAccounts(
  state: ClusterState,
  kind: EngineKind,
  db: KubeObject,
  layout: Layout,
): void {
  const names = new Set<string>();
  for (const group of layout.groups) {
    const named = getPath(db, [...group.templatePath, 'spec', 'serviceAccountName']);
    names.add(typeof named === 'string' && named !== '' ? named : (db.metadata.name ?? ''));
  }
  for (const name of names) {
    if (state.get('v1', 'ServiceAccount', db.metadata.namespace, name)) continue;
    state.create(
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name,
          namespace: db.metadata.namespace,
          labels: labelsOf(kind, db),
          ownerReferences: [ownerRef(db)],
        },
      },
      { skipAdmission: true },
    );
  }
}

/** The AppBinding `<db>`: how to reach the primary Service and with which secret. */
export function ensureAppBinding(
  state: ClusterState,
  kind: EngineKind,
  db: KubeObject,
  authSecret: string,
): void {
  const name = db.metadata.name ?? '';
  const spec = asRecord(db.spec);
  const catalog = findVersion(state, kind, text(spec.version));
  const service: Record<string, unknown> = {
    name,
    path: '/',
    port: ENGINES[kind].port,
    scheme: kind === 'Elasticsearch' && spec.enableSSL === true ? 'https' : SCHEMES[kind],
  };
  if (kind === 'Postgres') service.query = `sslmode=${text(spec.sslMode, 'disable')}`;
  createOrUpdate(
    state,
    {
      apiVersion: APPBINDING_API,
      kind: 'AppBinding',
      metadata: {
        name,
        namespace: db.metadata.namespace,
        labels: labelsOf(kind, db),
        ownerReferences: [ownerRef(db)],
      },
      spec: {
        appRef: { apiGroup: 'kubedb.com', kind, name, namespace: db.metadata.namespace },
        clientConfig: { service },
        secret: { name: authSecret },
        type: `kubedb.com/${ENGINES[kind].singular}`,
        version: text(getPath(catalog, ['spec', 'version']), text(spec.version)),
        ...(spec.tls !== undefined ? { tlsSecret: { name: certSecretName(db, 'client') } } : {}),
      },
    },
    ['spec'],
  );
}

function certSecretName(db: KubeObject, alias: string, prefix = db.metadata.name ?? ''): string {
  const certificates = getPath(db, ['spec', 'tls', 'certificates']);
  const given = Array.isArray(certificates)
    ? certificates.map(asRecord).find((c) => c.alias === alias && typeof c.secretName === 'string')
    : undefined;
  return given ? text(given.secretName) : truncateName(`${prefix}-${alias}-cert`);
}

/** The certificate secrets KubeDB has cert-manager (or itself, for Elasticsearch) issue for `db`. */
export function tlsSecretNames(
  state: ClusterState,
  kind: EngineKind,
  db: KubeObject,
  layout: Layout,
): string[] {
  const spec = asRecord(db.spec);
  const monitor = spec.monitor !== undefined;
  const tls = asRecord(spec.tls);
  if (kind === 'Elasticsearch') {
    if (spec.disableSecurity === true) return [];
    const plugin = text(
      getPath(findVersion(state, kind, text(spec.version)), ['spec', 'authPlugin']),
    );
    const aliases = [...(tls.issuerRef ? [] : ['ca']), 'transport'];
    if (['OpenSearch', 'SearchGuard', 'OpenDistro'].includes(plugin)) aliases.push('admin');
    if (spec.enableSSL === true)
      aliases.push('http', 'client', ...(monitor ? ['metrics-exporter'] : []));
    return aliases.map((a) => certSecretName(db, a));
  }
  if (!tls.issuerRef) return [];
  const names = ['client', ...(monitor ? ['metrics-exporter'] : [])].map((a) =>
    certSecretName(db, a),
  );
  if (kind !== 'MongoDB') return [certSecretName(db, 'server'), ...names];
  const sharded = spec.shardTopology !== undefined;
  const servers =
    sharded || spec.arbiter !== undefined
      ? layout.groups.map((g) => g.petset).filter((p) => !p.endsWith('-hidden'))
      : [db.metadata.name ?? ''];
  return [...servers.map((p) => truncateName(`${p}-server-cert`)), ...names];
}

/** Writes the certificate secrets that do not exist yet (placeholder PEM text, type kubernetes.io/tls). */
export function ensureTlsSecrets(
  state: ClusterState,
  kind: EngineKind,
  db: KubeObject,
  layout: Layout,
): void {
  for (const name of tlsSecretNames(state, kind, db, layout)) {
    if (state.get('v1', 'Secret', db.metadata.namespace, name)) continue;
    const pem = (what: string) =>
      b64(
        `-----BEGIN ${what}-----\nsim ${name} ${randomBytes(18).toString('base64')}\n-----END ${what}-----\n`,
      );
    state.create(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name, namespace: db.metadata.namespace, labels: labelsOf(kind, db) },
        data: {
          'ca.crt': pem('CERTIFICATE'),
          'tls.crt': pem('CERTIFICATE'),
          'tls.key': pem('PRIVATE KEY'),
        },
      },
      { skipAdmission: true },
    );
  }
}

/** MongoDB replica sets and sharded clusters authenticate members with a key file `<db>-key` (`key.txt`). */
export function ensureKeyFileSecret(state: ClusterState, db: KubeObject): void {
  const spec = asRecord(db.spec);
  if (spec.replicaSet === undefined && spec.shardTopology === undefined) return;
  if (text(spec.clusterAuthMode, 'keyFile') === 'x509') return;
  const given = getPath(spec, ['keyFileSecret', 'name']);
  if (typeof given === 'string' && given !== '') return;
  const name = truncateName(`${db.metadata.name ?? ''}-key`);
  if (state.get('v1', 'Secret', db.metadata.namespace, name)) return;
  state.create(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name, namespace: db.metadata.namespace, labels: labelsOf('MongoDB', db) },
      data: { 'key.txt': b64(randomBytes(567).toString('base64')) },
    },
    { skipAdmission: true },
  );
}

/** All of the above, for a database that is not halted. */
export function ensureExtras(
  state: ClusterState,
  kind: EngineKind,
  db: KubeObject,
  layout: Layout,
  authSecret: string,
): void {
  ensureServiceAccounts(state, kind, db, layout);
  ensureAppBinding(state, kind, db, authSecret);
  ensureTlsSecrets(state, kind, db, layout);
  if (kind === 'MongoDB') ensureKeyFileSecret(state, db);
}
