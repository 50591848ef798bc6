import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, EngineError, UnavailableError } from '../base/errors';
import { KubeApiError, KubeConflictError } from '../kube';
import { DuplicateError, StaleRevisionError } from '../store';
import { kubeStatus, startScriptedCluster, type ScriptedCluster } from '../../test/helpers/loops';
import { isRetryableAttempt, isStaleWrite } from './retry-policy';

let cluster: ScriptedCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const SECRET = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default' },
};

/** What applying an object to a cluster that answers `status` fails with. */
async function applyError(status: number, reason: string, message: string): Promise<unknown> {
  cluster = await startScriptedCluster(() => ({
    status,
    body: kubeStatus(status, reason, message),
  }));
  return cluster.client
    .apply(SECRET, { fieldManager: 'test' })
    .then(() => undefined)
    .catch((error: unknown) => error);
}

describe('the retry policy of the loops', () => {
  it('retries a 409 Conflict from the cluster', async () => {
    const error = await applyError(
      409,
      'Conflict',
      'Operation cannot be fulfilled on secrets "s": the object has been modified',
    );
    expect(error).toBeInstanceOf(KubeConflictError);
    expect(isRetryableAttempt(error)).toBe(true);
  });

  it('does not retry a cluster refusal whose message merely contains the word conflict', async () => {
    const error = await applyError(
      422,
      'Invalid',
      'spec.replicas: Invalid value: conflict with the admission policy',
    );
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).not.toBeInstanceOf(KubeConflictError);
    expect((error as Error).message).toMatch(/conflict/);
    expect(isRetryableAttempt(error)).toBe(false);
  });

  it('does not retry a 409 AlreadyExists: another attempt meets the same object', async () => {
    const error = await applyError(409, 'AlreadyExists', 'secrets "s" already exists');
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).not.toBeInstanceOf(KubeConflictError);
    expect(isRetryableAttempt(error)).toBe(false);
  });

  it('decides engine errors by their type, not by their text', () => {
    expect(isRetryableAttempt(new UnavailableError('cluster x is unreachable'))).toBe(true);
    expect(isRetryableAttempt(new EngineError('UNPROCESSABLE', 'conflict: retry later'))).toBe(
      false,
    );
    expect(isRetryableAttempt(new ConflictError('database x is already paused'))).toBe(false);
  });

  it('treats only a stale revision as a lost store race', () => {
    expect(isStaleWrite(new StaleRevisionError('database', 'db-1', 3))).toBe(true);
    expect(isStaleWrite(new DuplicateError('database', ['name'], 'acme/x'))).toBe(false);
    expect(isStaleWrite(Object.assign(new Error('conflict'), { code: 'CONFLICT' }))).toBe(false);
  });
});
