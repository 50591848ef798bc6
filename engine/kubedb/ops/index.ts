import { EngineError } from '../../base';
import type { OperationType, Resources } from '../../domain';
import type { KubeObject } from '../types';
import {
  buildHorizontalScaling,
  buildRestart,
  buildRotateAuth,
  buildUpdateVersion,
  buildVerticalScaling,
  buildVolumeExpansion,
} from './builders';
import type { OpsInput, OpsRequestType } from './common';

export * from './builders';
export * from './common';
export * from './status';

/** The OpsRequest type each operation type applies; operations not listed apply none. */
export const OPS_TYPE_FOR_OPERATION: Partial<Record<OperationType, OpsRequestType>> = {
  'scale-horizontal': 'HorizontalScaling',
  'scale-vertical': 'VerticalScaling',
  'expand-volume': 'VolumeExpansion',
  'update-version': 'UpdateVersion',
  restart: 'Restart',
  'rotate-credentials': 'RotateAuth',
};

/**
 * The OpsRequest of an operation, from its type and params (domain `OperationParamsSchemas`).
 * Vertical scaling params may name only cpu or memory; the other keeps the database's current value.
 * Throws an EngineError for an operation type that is not an OpsRequest, or missing params.
 */
export function buildOpsRequestForOperation(
  input: OpsInput,
  type: OperationType,
  params: Record<string, unknown>,
): KubeObject {
  switch (type) {
    case 'scale-horizontal': {
      const replicas = requireNumber(params, 'replicas');
      const shards = typeof params.shards === 'number' ? params.shards : undefined;
      return buildHorizontalScaling(
        input,
        shards === undefined ? { replicas } : { replicas, shards },
      );
    }
    case 'scale-vertical': {
      const resources: Resources = {
        cpu: typeof params.cpu === 'string' ? params.cpu : input.database.resources.cpu,
        memory: typeof params.memory === 'string' ? params.memory : input.database.resources.memory,
      };
      return buildVerticalScaling(input, resources);
    }
    case 'expand-volume':
      return buildVolumeExpansion(
        input,
        requireString(params, 'size'),
        params.mode === 'Offline' ? 'Offline' : 'Online',
      );
    case 'update-version':
      return buildUpdateVersion(input, requireString(params, 'targetVersion'));
    case 'restart':
      return buildRestart(input);
    case 'rotate-credentials':
      return buildRotateAuth(
        input,
        typeof params.secretName === 'string' ? params.secretName : undefined,
      );
    default:
      throw new EngineError(
        'INTERNAL',
        `operation type ${type} is not carried out by an OpsRequest`,
        { terminal: true },
      );
  }
}

function requireNumber(params: Record<string, unknown>, key: string): number {
  const value = params[key];
  if (typeof value !== 'number')
    throw new EngineError('BAD_REQUEST', `params.${key} must be a number`);
  return value;
}

function requireString(params: Record<string, unknown>, key: string): string {
  const value = params[key];
  if (typeof value !== 'string')
    throw new EngineError('BAD_REQUEST', `params.${key} must be a string`);
  return value;
}
