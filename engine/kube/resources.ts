/** Where a kind is served: its group, version, plural and scope. */
export interface ResourceInfo {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

const core = (plural: string, namespaced = true): ResourceInfo => ({
  group: '',
  version: 'v1',
  plural,
  namespaced,
});
const of = (group: string, version: string, plural: string, namespaced = true): ResourceInfo => ({
  group,
  version,
  plural,
  namespaced,
});

/**
 * The kinds the engine reads and writes, by `apiVersion/kind`. A fixed table rather than discovery
 * on every call: these are the KubeDB, KubeStash and core kinds REFERENCE.md names.
 */
const RESOURCES: Record<string, ResourceInfo> = {
  'v1/Namespace': core('namespaces', false),
  'v1/Secret': core('secrets'),
  'v1/Service': core('services'),
  'v1/Pod': core('pods'),
  'v1/Event': core('events'),
  'v1/ConfigMap': core('configmaps'),
  'v1/PersistentVolumeClaim': core('persistentvolumeclaims'),
  'coordination.k8s.io/v1/Lease': of('coordination.k8s.io', 'v1', 'leases'),
  'metrics.k8s.io/v1beta1/PodMetrics': of('metrics.k8s.io', 'v1beta1', 'pods'),
  'storage.k8s.io/v1/StorageClass': of('storage.k8s.io', 'v1', 'storageclasses', false),
  'kubedb.com/v1/Postgres': of('kubedb.com', 'v1', 'postgreses'),
  'kubedb.com/v1/MySQL': of('kubedb.com', 'v1', 'mysqls'),
  'kubedb.com/v1/MongoDB': of('kubedb.com', 'v1', 'mongodbs'),
  'kubedb.com/v1/MariaDB': of('kubedb.com', 'v1', 'mariadbs'),
  'kubedb.com/v1/Redis': of('kubedb.com', 'v1', 'redises'),
  'kubedb.com/v1/RedisSentinel': of('kubedb.com', 'v1', 'redissentinels'),
  'kubedb.com/v1/Elasticsearch': of('kubedb.com', 'v1', 'elasticsearches'),
  'ops.kubedb.com/v1alpha1/PostgresOpsRequest': of(
    'ops.kubedb.com',
    'v1alpha1',
    'postgresopsrequests',
  ),
  'ops.kubedb.com/v1alpha1/MySQLOpsRequest': of('ops.kubedb.com', 'v1alpha1', 'mysqlopsrequests'),
  'ops.kubedb.com/v1alpha1/MongoDBOpsRequest': of(
    'ops.kubedb.com',
    'v1alpha1',
    'mongodbopsrequests',
  ),
  'ops.kubedb.com/v1alpha1/MariaDBOpsRequest': of(
    'ops.kubedb.com',
    'v1alpha1',
    'mariadbopsrequests',
  ),
  'ops.kubedb.com/v1alpha1/RedisOpsRequest': of('ops.kubedb.com', 'v1alpha1', 'redisopsrequests'),
  'ops.kubedb.com/v1alpha1/ElasticsearchOpsRequest': of(
    'ops.kubedb.com',
    'v1alpha1',
    'elasticsearchopsrequests',
  ),
  'catalog.kubedb.com/v1alpha1/PostgresVersion': of(
    'catalog.kubedb.com',
    'v1alpha1',
    'postgresversions',
    false,
  ),
  'catalog.kubedb.com/v1alpha1/MySQLVersion': of(
    'catalog.kubedb.com',
    'v1alpha1',
    'mysqlversions',
    false,
  ),
  'catalog.kubedb.com/v1alpha1/MongoDBVersion': of(
    'catalog.kubedb.com',
    'v1alpha1',
    'mongodbversions',
    false,
  ),
  'catalog.kubedb.com/v1alpha1/MariaDBVersion': of(
    'catalog.kubedb.com',
    'v1alpha1',
    'mariadbversions',
    false,
  ),
  'catalog.kubedb.com/v1alpha1/RedisVersion': of(
    'catalog.kubedb.com',
    'v1alpha1',
    'redisversions',
    false,
  ),
  'catalog.kubedb.com/v1alpha1/ElasticsearchVersion': of(
    'catalog.kubedb.com',
    'v1alpha1',
    'elasticsearchversions',
    false,
  ),
  'storage.kubestash.com/v1alpha1/BackupStorage': of(
    'storage.kubestash.com',
    'v1alpha1',
    'backupstorages',
  ),
  'storage.kubestash.com/v1alpha1/RetentionPolicy': of(
    'storage.kubestash.com',
    'v1alpha1',
    'retentionpolicies',
  ),
  'storage.kubestash.com/v1alpha1/Repository': of(
    'storage.kubestash.com',
    'v1alpha1',
    'repositories',
  ),
  'storage.kubestash.com/v1alpha1/Snapshot': of('storage.kubestash.com', 'v1alpha1', 'snapshots'),
  'core.kubestash.com/v1alpha1/BackupConfiguration': of(
    'core.kubestash.com',
    'v1alpha1',
    'backupconfigurations',
  ),
  'core.kubestash.com/v1alpha1/BackupSession': of(
    'core.kubestash.com',
    'v1alpha1',
    'backupsessions',
  ),
  'archiver.kubedb.com/v1alpha1/PostgresArchiver': of(
    'archiver.kubedb.com',
    'v1alpha1',
    'postgresarchivers',
  ),
  'archiver.kubedb.com/v1alpha1/MySQLArchiver': of(
    'archiver.kubedb.com',
    'v1alpha1',
    'mysqlarchivers',
  ),
  'archiver.kubedb.com/v1alpha1/MariaDBArchiver': of(
    'archiver.kubedb.com',
    'v1alpha1',
    'mariadbarchivers',
  ),
  'archiver.kubedb.com/v1alpha1/MongoDBArchiver': of(
    'archiver.kubedb.com',
    'v1alpha1',
    'mongodbarchivers',
  ),
  'core.kubestash.com/v1alpha1/RestoreSession': of(
    'core.kubestash.com',
    'v1alpha1',
    'restoresessions',
  ),
};

/** The resource of a kind; throws for a kind the engine does not use. */
export function resourceOf(apiVersion: string, kind: string): ResourceInfo {
  const info = RESOURCES[`${apiVersion}/${kind}`];
  if (!info) throw new Error(`the engine has no resource mapping for ${apiVersion} ${kind}`);
  return info;
}

/** The API path of a collection or of one object. */
export function resourcePath(
  info: ResourceInfo,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const prefix = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const scope = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const object = name ? `/${encodeURIComponent(name)}` : '';
  const sub = name && subresource ? `/${subresource}` : '';
  return `${prefix}${scope}/${info.plural}${object}${sub}`;
}
