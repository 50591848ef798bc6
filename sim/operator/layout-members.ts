/**
 * The extra members KubeDB runs beside the data pods: the Postgres raft arbiter (a one-pod PetSet
 * `<db>-arbiter` for an even number of replicas) and the MongoDB arbiter and hidden members
 * (`<rs>-arbiter`, `<rs>-hidden`, per shard in a sharded cluster), with their PVCs.
 */
import { mergeResources, type Resources } from './engines';
import type { GroupPlan } from './layout';
import { group, mainContainer, storageOf, type Ctx } from './layout-parts';
import { asNumber, asRecord, text } from './util';

/** The mutating webhook's arbiter resources (kubedb DefaultArbiter): 2Gi storage, 200m / 256Mi. */
export const ARBITER_RESOURCES: Resources = {
  requests: { cpu: '200m', memory: '256Mi', storage: '2Gi' },
  limits: { memory: '256Mi' },
};

const NODE_TYPE = 'mongodb.kubedb.com/node.type';

/** The webhook's MongoDB arbiter container resources: 200m / 256Mi, 500Mi from MongoDB 7 on. */
export function mongoArbiterResources(ctx: Ctx): Resources {
  const major = Number(/(\d+)\./.exec(text(ctx.spec.version))?.[1] ?? '0');
  const memory = major >= 7 ? '500Mi' : '256Mi';
  return { requests: { cpu: '200m', memory }, limits: { memory } };
}

/** The Postgres arbiter PetSet, present while the replica count is even. */
export function postgresArbiter(ctx: Ctx, replicas: number): GroupPlan | undefined {
  if (replicas < 2 || replicas % 2 !== 0) return undefined;
  const arbiter = asRecord(ctx.spec.arbiter);
  const given = asRecord(arbiter.resources) as Resources;
  const { storage, ...compute } = {
    ...(ARBITER_RESOURCES.requests ?? {}),
    ...(given.requests ?? {}),
  };
  const resources = mergeResources(
    { requests: compute, ...(given.limits ? { limits: given.limits } : {}) },
    { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '256Mi' } },
  );
  const storageClassName = storageOf(ctx.spec, ['spec', 'storage'])?.storageClassName ?? 'standard';
  return {
    ...group(ctx, {
      petset: `${ctx.name}-arbiter`,
      replicas: 1,
      labels: { 'kubedb.com/role': 'arbiter' },
      templatePath: ['spec', 'arbiter'],
      containers: [
        {
          name: 'pg-arbiter',
          image: ctx.images.coordinator,
          resources,
          ports: [{ name: 'coordinator', containerPort: 2380 }],
        },
      ],
      initContainers: [],
    }),
    storagePath: undefined,
    storage: ctx.durable
      ? { size: storage ?? '2Gi', storageClassName, accessModes: ['ReadWriteOnce'] }
      : undefined,
  };
}

/**
 * The arbiter and hidden members of one MongoDB replica set `petset` (the replica set itself, or a
 * shard). The arbiter keeps a PVC like the data pods; hidden members always have storage.
 */
export function mongoMembers(
  ctx: Ctx,
  petset: string,
  governingService: string,
  extraLabels: Record<string, string>,
  dataStoragePath: string[],
): GroupPlan[] {
  const out: GroupPlan[] = [];
  if (ctx.spec.arbiter !== undefined && ctx.spec.arbiter !== null) {
    const templatePath = ['spec', 'arbiter', 'podTemplate'];
    out.push(
      group(
        ctx,
        {
          petset: `${petset}-arbiter`,
          replicas: 1,
          labels: { ...extraLabels, [NODE_TYPE]: 'arbiter' },
          templatePath,
          storagePath: dataStoragePath,
          governingService,
          containers: [
            mainContainer(ctx, templatePath, undefined, undefined, mongoArbiterResources(ctx)),
          ],
        },
        undefined,
      ),
    );
  }
  const hidden = asRecord(ctx.spec.hidden);
  if (Object.keys(hidden).length > 0) {
    out.push(
      group(
        { ...ctx, durable: true },
        {
          petset: `${petset}-hidden`,
          replicas: asNumber(hidden.replicas, 1),
          labels: { ...extraLabels, [NODE_TYPE]: 'hidden' },
          templatePath: ['spec', 'hidden', 'podTemplate'],
          storagePath: ['spec', 'hidden', 'storage'],
          governingService,
        },
        undefined,
      ),
    );
  }
  return out;
}
