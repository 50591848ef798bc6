import { ENGINE_KINDS, type DatabaseSpec, type Engine } from '../../domain';
import { databaseLabels, joinName, shortHash } from '../names';
import { OPERATION_ID_LABEL, OPS_API_VERSION, type KubeObject } from '../types';

/** The OpsRequest types the engine creates (a subset of REFERENCE 6.1's enums, common to all six engines). */
export type OpsRequestType =
  | 'HorizontalScaling'
  | 'VerticalScaling'
  | 'VolumeExpansion'
  | 'UpdateVersion'
  | 'Restart'
  | 'RotateAuth'
  | 'Reconfigure';

/** Short tokens for names: `<db>-<token>-<hash of operation id>`. */
export const OPS_NAME_TOKENS: Record<OpsRequestType, string> = {
  HorizontalScaling: 'hscale',
  VerticalScaling: 'vscale',
  VolumeExpansion: 'volexp',
  UpdateVersion: 'upgrade',
  Restart: 'restart',
  RotateAuth: 'rotate-auth',
  Reconfigure: 'reconfigure',
};

/** `<Engine>OpsRequest`. */
export function opsKind(engine: Engine): string {
  return `${ENGINE_KINDS[engine]}OpsRequest`;
}

/**
 * The OpsRequest name of an operation: `<db>-<token>-<8 hex of FNV-1a(operation id)>`, at most 63
 * characters (the database name is shortened if ever needed). Deterministic, so a retried or
 * crashed attempt applies the same object instead of a second one — OpsRequest specs are immutable.
 */
export function opsRequestName(
  databaseName: string,
  type: OpsRequestType,
  operationId: string,
): string {
  return joinName(`${databaseName}-${OPS_NAME_TOKENS[type]}`, shortHash(operationId));
}

/** Options every OpsRequest takes (REFERENCE 6.1). */
export interface OpsOptions {
  /** Per-step timeout (a Go duration); default per type. */
  timeout?: string;
  /** `IfReady` waits for a Ready database; `Always` does not (restart of a sick database). */
  apply?: 'IfReady' | 'Always';
}

/** What every OpsRequest builder needs: the database as it is now, and the operation's id. */
export interface OpsInput {
  database: DatabaseSpec;
  operationId: string;
  options?: OpsOptions;
}

const DEFAULT_TIMEOUTS: Record<OpsRequestType, string> = {
  HorizontalScaling: '30m',
  VerticalScaling: '30m',
  VolumeExpansion: '30m',
  UpdateVersion: '30m',
  Restart: '15m',
  RotateAuth: '10m',
  Reconfigure: '15m',
};

/** The OpsRequest envelope and common spec; `block` carries the type-specific fields. */
export function opsRequest(
  input: OpsInput,
  type: OpsRequestType,
  block: Record<string, unknown>,
): KubeObject {
  const { database, operationId, options = {} } = input;
  return {
    apiVersion: OPS_API_VERSION,
    kind: opsKind(database.engine),
    metadata: {
      name: opsRequestName(database.name, type, operationId),
      namespace: database.namespace,
      labels: { ...databaseLabels({ ...database, labels: {} }), [OPERATION_ID_LABEL]: operationId },
    },
    spec: {
      type,
      databaseRef: { name: database.name },
      timeout: options.timeout ?? DEFAULT_TIMEOUTS[type],
      apply: options.apply ?? (type === 'Restart' ? 'Always' : 'IfReady'),
      ...block,
    },
  };
}

/**
 * The component keys under which vertical scaling and volume expansion name the database's data
 * pods, per engine and mode (REFERENCE 6.2 and 10.4): the engine name for most, MongoDB's
 * component names, Elasticsearch's `node` or node roles.
 */
export function dataComponents(database: Pick<DatabaseSpec, 'engine' | 'mode'>): string[] {
  switch (database.engine) {
    case 'mongodb':
      if (database.mode === 'sharded') return ['shard', 'configServer'];
      return [database.mode === 'replicaset' ? 'replicaSet' : 'standalone'];
    case 'elasticsearch':
      return database.mode === 'topology' ? ['master', 'ingest', 'data'] : ['node'];
    default:
      return [database.engine];
  }
}

/** Components whose pods run the engine's main container: data components plus MongoDB's mongos. */
export function computeComponents(database: Pick<DatabaseSpec, 'engine' | 'mode'>): string[] {
  const components = dataComponents(database);
  return database.engine === 'mongodb' && database.mode === 'sharded'
    ? [...components, 'mongos']
    : components;
}
