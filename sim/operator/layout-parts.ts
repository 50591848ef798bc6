/**
 * Building blocks of a database layout: containers with merged resources, groups (PetSets) and
 * Services, shared by the per-engine builders.
 */
import type { KubeObject } from '../core/contract';
import {
  ENGINES,
  INIT_RESOURCES,
  SIDECAR_RESOURCES,
  defaultMainResources,
  mergeResources,
  type EngineKind,
  type Resources,
} from './engines';
import type { ContainerPlan, GroupPlan, ServicePlan, VersionImages } from './layout';
import { asRecord, getPath, text } from './util';

/** What the per-engine builders read. */
export interface Ctx {
  kind: EngineKind;
  db: KubeObject;
  name: string;
  spec: Record<string, unknown>;
  images: VersionImages;
  base: Record<string, string>;
  durable: boolean;
}

export function userResources(
  spec: Record<string, unknown>,
  templatePath: string[],
  container: string,
): Resources | undefined {
  const containers = getPath(spec, [...templatePath.slice(1), 'spec', 'containers']);
  if (!Array.isArray(containers)) return undefined;
  const found: unknown = containers.find((c) => asRecord(c).name === container);
  return found ? (asRecord(found).resources as Resources | undefined) : undefined;
}

export function storageOf(spec: Record<string, unknown>, path: string[]): GroupPlan['storage'] {
  const storage = asRecord(getPath(spec, path.slice(1)));
  const size = getPath(storage, ['resources', 'requests', 'storage']);
  return {
    size: typeof size === 'string' ? size : '1Gi',
    storageClassName:
      typeof storage.storageClassName === 'string' ? storage.storageClassName : 'standard',
    accessModes: Array.isArray(storage.accessModes)
      ? (storage.accessModes as string[])
      : ['ReadWriteOnce'],
  };
}

export function mainContainer(
  ctx: Ctx,
  templatePath: string[],
  name = ENGINES[ctx.kind].mainContainer,
  image = ctx.images.db,
  defaults: Resources = defaultMainResources(ctx.kind, text(ctx.spec.version)),
): ContainerPlan {
  const info = ENGINES[ctx.kind];
  const ports =
    ctx.kind === 'Elasticsearch'
      ? [
          { name: 'http', containerPort: 9200 },
          { name: 'transport', containerPort: 9300 },
        ]
      : ctx.kind === 'Redis'
        ? [
            { name: 'db', containerPort: 6379 },
            { name: 'gossip', containerPort: 16379 },
          ]
        : [{ name: info.portName, containerPort: info.port }];
  return {
    name,
    image,
    resources: mergeResources(userResources(ctx.spec, templatePath, name), defaults),
    ports,
  };
}

export function sidecar(
  ctx: Ctx,
  templatePath: string[],
  name: string,
  image: string,
  ports: ContainerPlan['ports'] = [],
): ContainerPlan {
  return {
    name,
    image,
    resources: mergeResources(userResources(ctx.spec, templatePath, name), SIDECAR_RESOURCES),
    ports,
  };
}

export function group(
  ctx: Ctx,
  partial: Partial<GroupPlan> & Pick<GroupPlan, 'petset' | 'replicas'>,
  coordinator?: string,
  storage = true,
): GroupPlan {
  const templatePath = partial.templatePath ?? ['spec', 'podTemplate'];
  const storagePath =
    storage && ctx.durable ? (partial.storagePath ?? ['spec', 'storage']) : undefined;
  const containers = [mainContainer(ctx, templatePath)];
  if (coordinator)
    containers.push(
      sidecar(ctx, templatePath, coordinator, ctx.images.coordinator, coordinatorPorts(ctx.kind)),
    );
  if (ctx.spec.monitor) {
    containers.push(
      sidecar(ctx, templatePath, 'exporter', ctx.images.exporter, [
        { name: 'metrics', containerPort: 56790 },
      ]),
    );
  }
  return {
    labels: {},
    roles: 'none',
    claimName: ctx.kind === 'MongoDB' ? 'datadir' : 'data',
    governingService: `${ctx.name}-pods`,
    initContainers: [
      {
        name: ENGINES[ctx.kind].initContainer,
        image: ctx.images.init,
        resources: structuredClone(INIT_RESOURCES),
        ports: [],
      },
    ],
    ...partial,
    containers: partial.containers ?? containers,
    templatePath,
    storagePath,
    storage: storagePath ? storageOf(ctx.spec, storagePath) : undefined,
  };
}

export function coordinatorPorts(kind: EngineKind): ContainerPlan['ports'] {
  return kind === 'Postgres'
    ? [
        { name: 'coordinator', containerPort: 2380 },
        { name: 'coordinatclient', containerPort: 2379 },
      ]
    : [];
}

export function svc(
  name: string,
  port: number,
  selector: Record<string, string>,
  headless = false,
  portName = 'primary',
  extra: ServicePlan['ports'] = [],
): ServicePlan {
  return {
    name,
    headless,
    selector,
    ports: [{ name: portName, port, targetPort: port }, ...extra],
  };
}
