/**
 * The layout of each engine (REFERENCE section 5): which PetSets and Services, with which labels,
 * roles and ports.
 */
import { ES_NODE_SUFFIX, INIT_RESOURCES, SIDECAR_RESOURCES, type EngineKind } from './engines';
import type { GroupPlan, Layout, ServicePlan } from './layout';
import { mongoMembers, postgresArbiter } from './layout-members';
import { group, mainContainer, svc, type Ctx } from './layout-parts';
import { asNumber, asRecord, getPath } from './util';

function postgres(ctx: Ctx): Layout {
  const replicas = asNumber(ctx.spec.replicas, 1);
  const g = group(
    ctx,
    {
      petset: ctx.name,
      replicas,
      roles: 'primary-standby',
      labels: { 'postgreses.kubedb.com/database.cluster': ctx.name },
    },
    'pg-coordinator',
  );
  const services = [
    svc(ctx.name, 5432, { ...ctx.base, 'kubedb.com/role': 'primary' }, false, 'primary', [
      { name: 'coordinator', port: 2379, targetPort: 2379 },
    ]),
    svc(`${ctx.name}-pods`, 5432, ctx.base, true, 'db', [
      { name: 'coordinator', port: 2380, targetPort: 2380 },
    ]),
  ];
  const arbiter = postgresArbiter(ctx, replicas);
  if (replicas > 1)
    services.push(
      svc(
        `${ctx.name}-standby`,
        5432,
        { ...ctx.base, 'kubedb.com/role': 'standby' },
        false,
        'standby',
      ),
    );
  return { groups: arbiter ? [g, arbiter] : [g], services };
}

function mysql(ctx: Ctx): Layout {
  const topology = asRecord(ctx.spec.topology);
  const mode = typeof topology.mode === 'string' ? topology.mode : undefined;
  const clustered = mode !== undefined && mode !== 'RemoteReplica';
  const replicas = asNumber(ctx.spec.replicas, clustered ? 3 : 1);
  const groups = [
    group(
      ctx,
      {
        petset: ctx.name,
        replicas,
        roles: clustered ? 'primary-standby' : 'none',
        labels: mode === 'InnoDBCluster' ? { 'mysql.kubedb.com/component': 'database' } : {},
      },
      clustered ? 'mysql-coordinator' : undefined,
    ),
  ];
  const dbSelector = clustered ? { ...ctx.base, 'kubedb.com/role': 'primary' } : ctx.base;
  const services = [
    svc(ctx.name, 3306, dbSelector),
    svc(`${ctx.name}-pods`, 3306, ctx.base, true, 'db'),
  ];
  if (clustered)
    services.push(
      svc(
        `${ctx.name}-standby`,
        3306,
        { ...ctx.base, 'kubedb.com/role': 'standby' },
        false,
        'standby',
      ),
    );
  if (mode === 'InnoDBCluster') {
    const routerPath = ['spec', 'topology', 'innoDBCluster', 'router', 'podTemplate'];
    const routerLabels = { 'mysql.kubedb.com/component': 'router' };
    groups.push(
      group(
        ctx,
        {
          petset: `${ctx.name}-router`,
          replicas: asNumber(getPath(topology, ['innoDBCluster', 'router', 'replicas']), 1),
          labels: routerLabels,
          templatePath: routerPath,
          governingService: `${ctx.name}-router-pods`,
          containers: [
            {
              ...mainContainer(
                ctx,
                routerPath,
                'mysql-router',
                ctx.images.extra,
                SIDECAR_RESOURCES,
              ),
              ports: [
                { name: 'rw', containerPort: 6446 },
                { name: 'ro', containerPort: 6447 },
              ],
            },
          ],
          initContainers: [],
        },
        undefined,
        false,
      ),
    );
    services.push(
      svc(`${ctx.name}-router`, 6446, { ...ctx.base, ...routerLabels }, false, 'rw', [
        { name: 'ro', port: 6447, targetPort: 6447 },
      ]),
    );
    services.push(
      svc(`${ctx.name}-router-pods`, 6446, { ...ctx.base, ...routerLabels }, true, 'rw'),
    );
  }
  return { groups, services };
}

function mongodb(ctx: Ctx): Layout {
  const sharded = asRecord(ctx.spec.shardTopology);
  if (Object.keys(sharded).length > 0) {
    const shard = asRecord(sharded.shard);
    const groups: GroupPlan[] = [];
    const services: ServicePlan[] = [];
    const prefix = (component: Record<string, unknown>, fallback: string): string =>
      typeof component.prefix === 'string' ? component.prefix : fallback;
    for (let i = 0; i < asNumber(shard.shards, 2); i++) {
      const petset = `${ctx.name}-${prefix(shard, 'shard')}${i}`;
      groups.push(
        group(
          ctx,
          {
            petset,
            replicas: asNumber(shard.replicas, 3),
            roles: 'primary-standby',
            labels: { 'mongodb.kubedb.com/node.shard': petset },
            templatePath: ['spec', 'shardTopology', 'shard', 'podTemplate'],
            storagePath: ['spec', 'shardTopology', 'shard', 'storage'],
            governingService: `${petset}-pods`,
          },
          'replication-mode-detector',
        ),
      );
      groups.push(
        ...mongoMembers(
          ctx,
          petset,
          `${petset}-pods`,
          {
            'mongodb.kubedb.com/node.shard': petset,
          },
          ['spec', 'shardTopology', 'shard', 'storage'],
        ),
      );
    }
    const config = asRecord(sharded.configServer);
    const configName = `${ctx.name}-${prefix(config, 'configsvr')}`;
    groups.push(
      group(
        ctx,
        {
          petset: configName,
          replicas: asNumber(config.replicas, 3),
          roles: 'primary-standby',
          labels: { 'mongodb.kubedb.com/node.config': configName },
          templatePath: ['spec', 'shardTopology', 'configServer', 'podTemplate'],
          storagePath: ['spec', 'shardTopology', 'configServer', 'storage'],
          governingService: `${configName}-pods`,
        },
        'replication-mode-detector',
      ),
    );
    const mongos = asRecord(sharded.mongos);
    const mongosName = `${ctx.name}-${prefix(mongos, 'mongos')}`;
    groups.push(
      group(
        ctx,
        {
          petset: mongosName,
          replicas: asNumber(mongos.replicas, 2),
          labels: { 'mongodb.kubedb.com/node.mongos': mongosName },
          templatePath: ['spec', 'shardTopology', 'mongos', 'podTemplate'],
          governingService: `${mongosName}-pods`,
        },
        undefined,
        false,
      ),
    );
    services.push(
      svc(ctx.name, 27017, { ...ctx.base, 'mongodb.kubedb.com/node.mongos': mongosName }),
    );
    for (const g of groups.filter((x) => !/-(arbiter|hidden)$/.test(x.petset)))
      services.push(svc(g.governingService, 27017, { ...ctx.base, ...g.labels }, true, 'db'));
    return { groups, services };
  }
  const rs = ctx.spec.replicaSet !== undefined;
  const replicas = rs ? asNumber(ctx.spec.replicas, 1) : 1;
  const g = group(
    ctx,
    { petset: ctx.name, replicas, roles: rs ? 'primary-standby' : 'none' },
    rs ? 'replication-mode-detector' : undefined,
  );
  const groups = rs
    ? [g, ...mongoMembers(ctx, ctx.name, `${ctx.name}-pods`, {}, ['spec', 'storage'])]
    : [g];
  return {
    groups,
    services: [
      svc(ctx.name, 27017, rs ? { ...ctx.base, 'kubedb.com/role': 'primary' } : ctx.base),
      svc(`${ctx.name}-pods`, 27017, ctx.base, true, 'db'),
    ],
  };
}

function mariadb(ctx: Ctx): Layout {
  const topology = asRecord(ctx.spec.topology);
  const mode = typeof topology.mode === 'string' ? topology.mode : undefined;
  const replication = mode === 'MariaDBReplication';
  const replicas = asNumber(ctx.spec.replicas, 1);
  const groups = [
    group(
      ctx,
      { petset: ctx.name, replicas, roles: replication ? 'Master-Slave' : 'none' },
      mode ? 'md-coordinator' : undefined,
    ),
  ];
  const services = [
    svc(ctx.name, 3306, replication ? { ...ctx.base, 'kubedb.com/role': 'Master' } : ctx.base),
    svc(`${ctx.name}-pods`, 3306, ctx.base, true, 'db'),
  ];
  if (replication) {
    services.push(
      svc(
        `${ctx.name}-standby`,
        3306,
        { ...ctx.base, 'kubedb.com/role': 'Slave' },
        false,
        'standby',
      ),
    );
    const mx = asRecord(topology.maxscale);
    const mxPath = ['spec', 'topology', 'maxscale', 'podTemplate'];
    const mxLabels = { 'mariadb.kubedb.com/component': 'maxscale' };
    groups.push(
      group(
        // MaxScale keeps its own PVCs `data-<db>-mx-N` unless topology.maxscale.storageType is Ephemeral.
        { ...ctx, durable: mx.storageType !== 'Ephemeral' },
        {
          petset: `${ctx.name}-mx`,
          storagePath: ['spec', 'topology', 'maxscale', 'storage'],
          replicas: asNumber(mx.replicas, 1),
          labels: mxLabels,
          templatePath: mxPath,
          governingService: `${ctx.name}-mx-pods`,
          containers: [
            {
              ...mainContainer(ctx, mxPath, 'maxscale', ctx.images.extra, INIT_RESOURCES),
              ports: [
                { name: 'db', containerPort: 3306 },
                { name: 'ui', containerPort: 8989 },
              ],
            },
          ],
          initContainers: [],
        },
        undefined,
      ),
    );
    services.push(
      svc(`${ctx.name}-mx`, 3306, { ...ctx.base, ...mxLabels }, false, 'primary', [
        { name: 'ui', port: 8989, targetPort: 8989 },
      ]),
    );
    services.push(svc(`${ctx.name}-mx-pods`, 3306, { ...ctx.base, ...mxLabels }, true, 'db'));
  }
  return { groups, services };
}

function redis(ctx: Ctx): Layout {
  const mode = typeof ctx.spec.mode === 'string' ? ctx.spec.mode : 'Standalone';
  const gossip = [{ name: 'gossip', port: 16379, targetPort: 16379 }];
  if (mode === 'Cluster') {
    const cluster = asRecord(ctx.spec.cluster);
    const groups: GroupPlan[] = [];
    for (let i = 0; i < asNumber(cluster.shards, 3); i++) {
      groups.push(
        group(ctx, {
          petset: `${ctx.name}-shard${i}`,
          replicas: asNumber(cluster.replicas, 2),
          roles: 'master-slave',
          labels: { 'redis.kubedb.com/shard': `shard${i}` },
        }),
      );
    }
    return {
      groups,
      services: [
        svc(ctx.name, 6379, ctx.base),
        svc(`${ctx.name}-pods`, 6379, ctx.base, true, 'db', gossip),
      ],
    };
  }
  const sentinel = mode === 'Sentinel';
  const replicas = sentinel ? asNumber(ctx.spec.replicas, 3) : 1;
  const g = group(
    ctx,
    { petset: ctx.name, replicas, roles: sentinel ? 'master-slave' : 'none' },
    sentinel ? 'rd-coordinator' : undefined,
  );
  const services = [
    svc(ctx.name, 6379, sentinel ? { ...ctx.base, 'kubedb.com/role': 'master' } : ctx.base),
    svc(`${ctx.name}-pods`, 6379, ctx.base, true, 'db', gossip),
  ];
  if (sentinel)
    services.push(
      svc(
        `${ctx.name}-standby`,
        6379,
        { ...ctx.base, 'kubedb.com/role': 'slave' },
        false,
        'standby',
      ),
    );
  return { groups: [g], services };
}

function elasticsearch(ctx: Ctx): Layout {
  const topology = asRecord(ctx.spec.topology);
  const http = [{ name: 'transport', port: 9300, targetPort: 9300 }];
  if (Object.keys(topology).length === 0) {
    const roles = {
      'kubedb.com/role-master': 'set',
      'kubedb.com/role-ingest': 'set',
      'kubedb.com/role-data': 'set',
    };
    const g = group(ctx, {
      petset: ctx.name,
      replicas: asNumber(ctx.spec.replicas, 1),
      labels: roles,
    });
    return {
      groups: [g],
      services: [
        svc(ctx.name, 9200, ctx.base, false, 'http'),
        svc(`${ctx.name}-master`, 9300, ctx.base, true, 'transport'),
        svc(`${ctx.name}-pods`, 9200, ctx.base, true, 'http', http),
      ],
    };
  }
  const groups: GroupPlan[] = [];
  for (const [key, suffix] of Object.entries(ES_NODE_SUFFIX)) {
    const node = asRecord(topology[key]);
    if (topology[key] === undefined) continue;
    const name = `${ctx.name}-${typeof node.suffix === 'string' ? node.suffix : suffix}`;
    groups.push(
      group(ctx, {
        petset: name,
        replicas: asNumber(node.replicas, 1),
        labels: { [`kubedb.com/role-${suffix}`]: 'set' },
        templatePath: ['spec', 'topology', key, 'podTemplate'],
        storagePath: ['spec', 'topology', key, 'storage'],
      }),
    );
  }
  return {
    groups,
    services: [
      svc(ctx.name, 9200, { ...ctx.base, 'kubedb.com/role-ingest': 'set' }, false, 'http'),
      svc(
        `${ctx.name}-master`,
        9300,
        { ...ctx.base, 'kubedb.com/role-master': 'set' },
        true,
        'transport',
      ),
      svc(`${ctx.name}-pods`, 9200, ctx.base, true, 'http', http),
    ],
  };
}

function redisSentinel(ctx: Ctx): Layout {
  const g = group(ctx, { petset: ctx.name, replicas: asNumber(ctx.spec.replicas, 3) });
  return {
    groups: [g],
    services: [
      svc(ctx.name, 26379, ctx.base, false, 'sentinel'),
      svc(`${ctx.name}-pods`, 26379, ctx.base, true, 'sentinel'),
    ],
  };
}

/** The layout builder of each engine. */
export const BUILDERS: Record<EngineKind, (ctx: Ctx) => Layout> = {
  Postgres: postgres,
  MySQL: mysql,
  MongoDB: mongodb,
  MariaDB: mariadb,
  Redis: redis,
  RedisSentinel: redisSentinel,
  Elasticsearch: elasticsearch,
};
