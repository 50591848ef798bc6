/**
 * The shape of a running database: which PetSets (with how many pods, which containers, labels and
 * volumes) and which Services the operator keeps for it, derived from the database spec alone.
 * The provisioner, the PetSet controller and the ops-manager all read this one plan.
 */
import type { KubeObject } from '../core/contract';
import { ENGINES, baseLabels, type EngineKind, type Resources } from './engines';
import { BUILDERS } from './layout-engines';
import { svc, type Ctx } from './layout-parts';
import { asRecord, getPath, text } from './util';

/** How the coordinator labels pods of a group (kubedb.com/role). */
export type RoleMode = 'primary-standby' | 'master-slave' | 'Master-Slave' | 'none';

export interface ContainerPlan {
  name: string;
  image: string;
  resources: Resources;
  ports: { name: string; containerPort: number }[];
}

/** One PetSet. */
export interface GroupPlan {
  petset: string;
  replicas: number;
  /** Extra labels on the PetSet selector and pods (beyond the common ones). */
  labels: Record<string, string>;
  roles: RoleMode;
  storage?: { size: string; storageClassName: string; accessModes: string[] };
  /** The volumeClaimTemplate name: PVCs are `<claimName>-<pod>` (`datadir` for MongoDB). */
  claimName: string;
  containers: ContainerPlan[];
  initContainers: ContainerPlan[];
  governingService: string;
  /** Where this group's podTemplate lives in the database spec. */
  templatePath: string[];
  /** Where this group's storage lives in the database spec (undefined: none). */
  storagePath?: string[];
}

export interface ServicePlan {
  name: string;
  headless: boolean;
  ports: { name: string; port: number; targetPort: number }[];
  selector: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Layout {
  groups: GroupPlan[];
  services: ServicePlan[];
}

/** Images the catalog entry names (spec.db.image etc.). */
export interface VersionImages {
  db: string;
  coordinator: string;
  exporter: string;
  init: string;
  extra: string;
}

/** The PetSets and Services the operator keeps for `db` (not including the stats Service rules). */
export function buildLayout(kind: EngineKind, db: KubeObject, images: VersionImages): Layout {
  const spec = asRecord(db.spec);
  const name = db.metadata.name ?? '';
  const base = baseLabels(ENGINES[kind], name);
  const ctx: Ctx = {
    kind,
    db,
    name,
    spec,
    images,
    base,
    durable: spec.storageType !== 'Ephemeral',
  };
  const layout = BUILDERS[kind](ctx);
  if (spec.monitor) {
    layout.services.push({
      ...svc(`${name}-stats`, 56790, base, false, 'metrics'),
      labels: { 'kubedb.com/role': 'stats' },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '56790',
        'prometheus.io/path': '/metrics',
        'monitoring.appscode.com/agent': text(getPath(spec, ['monitor', 'agent'])),
      },
    });
  }
  return layout;
}

/** Total pods of a layout. */
export function podCount(layout: Layout): number {
  return layout.groups.reduce((n, g) => n + g.replicas, 0);
}
