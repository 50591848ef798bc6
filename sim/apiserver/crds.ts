/**
 * CustomResourceDefinitions: turning a CRD object into a served `ResourceType`, reading every CRD
 * from a folder of YAML files (as `kubectl apply -f crds/` would install them), and the minimal
 * permissive definitions used when no folder is given.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeObject } from '../core/contract';
import type { PrinterColumn, ResourceType } from './resource-types';
import type { JsonSchema } from './schema';
import { toText } from './text';

type Json = Record<string, unknown>;

const CR_VERBS = [
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'create',
  'update',
  'watch',
];

/** The served resource described by a CRD object. */
export function typeFromCrd(crd: KubeObject): ResourceType {
  const spec = crd.spec as Json;
  const names = spec.names as Json;
  const versions = ((spec.versions as Json[]) ?? []).filter((v) => v.served !== false);
  // The storage version first: discovery names it the preferred version.
  versions.sort((a, b) => Number(Boolean(b.storage)) - Number(Boolean(a.storage)));
  const schemas: Record<string, JsonSchema | undefined> = {};
  const printerColumns: Record<string, PrinterColumn[]> = {};
  let statusSubresource = false;
  for (const v of versions) {
    const name = String(v.name);
    schemas[name] = (v.schema as Json | undefined)?.openAPIV3Schema as JsonSchema | undefined;
    printerColumns[name] = (v.additionalPrinterColumns as PrinterColumn[] | undefined) ?? [];
    if ((v.subresources as Json | undefined)?.status !== undefined) statusSubresource = true;
  }
  const kind = String(names.kind);
  return {
    group: String(spec.group),
    versions: versions.map((v) => String(v.name)),
    plural: String(names.plural),
    singular: toText(names.singular, kind.toLowerCase()),
    kind,
    listKind: toText(names.listKind, `${kind}List`),
    shortNames: (names.shortNames as string[] | undefined) ?? [],
    categories: (names.categories as string[] | undefined) ?? [],
    namespaced: spec.scope !== 'Cluster',
    verbs: CR_VERBS,
    statusSubresource,
    builtin: false,
    schemas,
    printerColumns,
    crdName: crd.metadata.name ?? `${String(names.plural)}.${String(spec.group)}`,
  };
}

/** Every CustomResourceDefinition found in the YAML files of `dir` (multi-document files too). */
export function readCrdDir(dir: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    for (const doc of yaml.loadAll(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition') out.push(obj);
    }
  }
  return out;
}

const COLUMNS_DB = [
  { name: 'Version', type: 'string', jsonPath: '.spec.version' },
  { name: 'Status', type: 'string', jsonPath: '.status.phase' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
const COLUMNS_OPS = [
  { name: 'Type', type: 'string', jsonPath: '.spec.type' },
  { name: 'Status', type: 'string', jsonPath: '.status.phase' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
const COLUMNS_CATALOG = [
  { name: 'Version', type: 'string', jsonPath: '.spec.version' },
  { name: 'DB_IMAGE', type: 'string', jsonPath: '.spec.db.image' },
  { name: 'Deprecated', type: 'boolean', jsonPath: '.spec.deprecated' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
const COLUMNS_PHASE = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

/** [group, kind, plural, shortName, scope, versions, categories, columns, status subresource] */
type Row = [
  string,
  string,
  string,
  string,
  'Namespaced' | 'Cluster',
  string[],
  string[],
  PrinterColumn[],
  boolean,
];

const DB_CATEGORIES = ['datastore', 'kubedb', 'appscode', 'all'];
const OPS_CATEGORIES = ['ops', 'kubedb', 'appscode'];
const CATALOG_CATEGORIES = ['catalog', 'kubedb', 'appscode'];
const STASH_CATEGORIES = ['kubestash', 'appscode', 'all'];

const MINIMAL: Row[] = [
  ...(
    [
      ['Postgres', 'postgreses', 'pg'],
      ['MySQL', 'mysqls', 'my'],
      ['MongoDB', 'mongodbs', 'mg'],
      ['MariaDB', 'mariadbs', 'md'],
      ['Redis', 'redises', 'rd'],
      ['RedisSentinel', 'redissentinels', 'rds'],
      ['Elasticsearch', 'elasticsearches', 'es'],
    ] as const
  ).map(([k, p, s]): Row => [
    'kubedb.com',
    k,
    p,
    s,
    'Namespaced',
    ['v1', 'v1alpha2'],
    DB_CATEGORIES,
    COLUMNS_DB,
    true,
  ]),
  ...(
    [
      ['PostgresOpsRequest', 'postgresopsrequests', 'pgops'],
      ['MySQLOpsRequest', 'mysqlopsrequests', 'myops'],
      ['MongoDBOpsRequest', 'mongodbopsrequests', 'mgops'],
      ['MariaDBOpsRequest', 'mariadbopsrequests', 'mariaops'],
      ['RedisOpsRequest', 'redisopsrequests', 'rdops'],
      ['ElasticsearchOpsRequest', 'elasticsearchopsrequests', 'esops'],
    ] as const
  ).map(([k, p, s]): Row => [
    'ops.kubedb.com',
    k,
    p,
    s,
    'Namespaced',
    ['v1alpha1'],
    OPS_CATEGORIES,
    COLUMNS_OPS,
    true,
  ]),
  ...(
    [
      ['PostgresVersion', 'postgresversions', 'pgversion'],
      ['MySQLVersion', 'mysqlversions', 'myversion'],
      ['MongoDBVersion', 'mongodbversions', 'mgversion'],
      ['MariaDBVersion', 'mariadbversions', 'mdversion'],
      ['RedisVersion', 'redisversions', 'rdversion'],
      ['ElasticsearchVersion', 'elasticsearchversions', 'esversion'],
    ] as const
  ).map(([k, p, s]): Row => [
    'catalog.kubedb.com',
    k,
    p,
    s,
    'Cluster',
    ['v1alpha1'],
    CATALOG_CATEGORIES,
    COLUMNS_CATALOG,
    false,
  ]),
  [
    'core.kubestash.com',
    'BackupConfiguration',
    'backupconfigurations',
    'bc',
    'Namespaced',
    ['v1alpha1'],
    STASH_CATEGORIES,
    COLUMNS_PHASE,
    true,
  ],
  [
    'core.kubestash.com',
    'BackupSession',
    'backupsessions',
    '',
    'Namespaced',
    ['v1alpha1'],
    STASH_CATEGORIES,
    COLUMNS_PHASE,
    true,
  ],
  [
    'core.kubestash.com',
    'RestoreSession',
    'restoresessions',
    'restore',
    'Namespaced',
    ['v1alpha1'],
    STASH_CATEGORIES,
    COLUMNS_PHASE,
    true,
  ],
  [
    'storage.kubestash.com',
    'BackupStorage',
    'backupstorages',
    '',
    'Namespaced',
    ['v1alpha1'],
    STASH_CATEGORIES,
    COLUMNS_PHASE,
    true,
  ],
  [
    'storage.kubestash.com',
    'RetentionPolicy',
    'retentionpolicies',
    '',
    'Namespaced',
    ['v1alpha1'],
    ['kubestash', 'appscode'],
    COLUMNS_PHASE,
    false,
  ],
  [
    'storage.kubestash.com',
    'Repository',
    'repositories',
    'repo',
    'Namespaced',
    ['v1alpha1'],
    STASH_CATEGORIES,
    COLUMNS_PHASE,
    true,
  ],
  [
    'storage.kubestash.com',
    'Snapshot',
    'snapshots',
    '',
    'Namespaced',
    ['v1alpha1'],
    ['kubestash', 'appscode'],
    COLUMNS_PHASE,
    true,
  ],
  ['apps.k8s.appscode.com', 'PetSet', 'petsets', '', 'Namespaced', ['v1'], [], [], true],
  [
    'apps.k8s.appscode.com',
    'PlacementPolicy',
    'placementpolicies',
    '',
    'Cluster',
    ['v1'],
    [],
    [],
    false,
  ],
];

const PERMISSIVE: JsonSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

/** CRD objects for every kind of the KubeDB folder, with permissive schemas. */
export function minimalCrds(): KubeObject[] {
  return MINIMAL.map(
    ([group, kind, plural, short, scope, versions, categories, columns, status]) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        group,
        scope,
        names: {
          kind,
          listKind: `${kind}List`,
          plural,
          singular: kind.toLowerCase(),
          ...(short ? { shortNames: [short] } : {}),
          ...(categories.length ? { categories } : {}),
        },
        versions: versions.map((name, i) => ({
          name,
          served: true,
          storage: i === 0,
          schema: { openAPIV3Schema: PERMISSIVE },
          ...(status ? { subresources: { status: {} } } : {}),
          ...(columns.length ? { additionalPrinterColumns: columns } : {}),
        })),
      },
    }),
  );
}
