/**
 * Where an OpsRequest's per-component keys land in the database spec: the verticalScaling /
 * volumeExpansion / configuration keys of each engine (REFERENCE 6.2 and 10.4).
 */
import { ENGINES, ES_NODE_SUFFIX, type EngineKind } from './engines';
import { asRecord } from './util';

/** A component of a database the ops-manager can change. */
export interface ComponentTarget {
  /** Path of the podTemplate in the database object. */
  templatePath: string[];
  /** Container whose resources change. */
  container: string;
  /** Path of the storage spec (for volume expansion / migration). */
  storagePath?: string[];
  /** Path of the configuration block. */
  configurationPath?: string[];
}

const POD = ['spec', 'podTemplate'];

function sidecars(kind: EngineKind): Record<string, string> {
  const coordinator: Record<EngineKind, string> = {
    Postgres: 'pg-coordinator',
    MySQL: 'mysql-coordinator',
    MongoDB: 'replication-mode-detector',
    MariaDB: 'md-coordinator',
    Redis: 'rd-coordinator',
    RedisSentinel: '',
    Elasticsearch: '',
  };
  return { coordinator: coordinator[kind], exporter: 'exporter' };
}

/** Resolves a component key of `kind` for the database spec `spec`; undefined when unknown. */
export function componentTarget(
  kind: EngineKind,
  key: string,
  spec: Record<string, unknown>,
): ComponentTarget | undefined {
  const main = ENGINES[kind].mainContainer;
  const side = sidecars(kind)[key];
  if (side) return { templatePath: POD, container: side };
  switch (kind) {
    case 'MongoDB': {
      if (key === 'standalone' || key === 'replicaSet') {
        return {
          templatePath: POD,
          container: main,
          storagePath: ['spec', 'storage'],
          configurationPath: ['spec', 'configuration'],
        };
      }
      if (key === 'shard' || key === 'configServer' || key === 'mongos') {
        const base = ['spec', 'shardTopology', key];
        return {
          templatePath: [...base, 'podTemplate'],
          container: main,
          storagePath: key === 'mongos' ? undefined : [...base, 'storage'],
          configurationPath: [...base, 'configuration'],
        };
      }
      if (key === 'arbiter' || key === 'hidden')
        return {
          templatePath: ['spec', key, 'podTemplate'],
          container: main,
          storagePath: key === 'hidden' ? ['spec', 'hidden', 'storage'] : undefined,
        };
      return undefined;
    }
    case 'Elasticsearch': {
      if (key === 'node')
        return { templatePath: POD, container: main, storagePath: ['spec', 'storage'] };
      if (key in ES_NODE_SUFFIX && asRecord(spec.topology)[key] !== undefined) {
        const base = ['spec', 'topology', key];
        return {
          templatePath: [...base, 'podTemplate'],
          container: main,
          storagePath: [...base, 'storage'],
        };
      }
      return undefined;
    }
    case 'MariaDB':
      if (key === 'maxscale')
        return {
          templatePath: ['spec', 'topology', 'maxscale', 'podTemplate'],
          container: 'maxscale',
          storagePath: ['spec', 'topology', 'maxscale', 'storage'],
        };
      break;
    case 'Postgres':
      if (key === 'arbiter')
        return {
          templatePath: ['spec', 'arbiter', 'podTemplate'],
          container: main,
          storagePath: ['spec', 'arbiter', 'storage'],
        };
      break;
    default:
      break;
  }
  if (key === ENGINES[kind].opsKey)
    return {
      templatePath: POD,
      container: main,
      storagePath: ['spec', 'storage'],
      configurationPath: ['spec', 'configuration'],
    };
  return undefined;
}

/** The quantity-valued keys of a volumeExpansion / verticalScaling block, with their targets. */
export function componentEntries(
  kind: EngineKind,
  block: Record<string, unknown>,
  spec: Record<string, unknown>,
): { key: string; value: unknown; target: ComponentTarget }[] {
  const out: { key: string; value: unknown; target: ComponentTarget }[] = [];
  for (const [key, value] of Object.entries(block)) {
    if (
      key === 'mode' ||
      key === 'readReplicas' ||
      key === 'nodeSelectionPolicy' ||
      key === 'topology'
    )
      continue;
    const target = componentTarget(kind, key, spec);
    if (target) out.push({ key, value, target });
  }
  return out;
}
