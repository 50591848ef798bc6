/**
 * Helpers for tests of the simulated cluster: bounded condition waits, a phase recorder and
 * client-node clients for a running cluster. Nothing here sleeps as synchronisation: every wait
 * polls a condition until a deadline and then fails with a message.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { getPath } from './util';

export { crdsDirForTests } from '../apiserver/testing';

/** Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes (throws). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  description: string,
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${description}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Records every distinct value of `.status.phase` an object goes through, in order. */
export function recordPhases(
  state: ClusterState,
  kind: string,
  namespace: string,
  name: string,
): { phases: string[]; stop: () => void } {
  const phases: string[] = [];
  const stop = state.subscribe((change) => {
    const o = change.object;
    if (o.kind !== kind || o.metadata.namespace !== namespace || o.metadata.name !== name) return;
    const phase = getPath(o, ['status', 'phase']);
    if (typeof phase === 'string' && phases[phases.length - 1] !== phase) phases.push(phase);
  });
  return { phases, stop };
}

/** `.status.phase` of an object, or undefined. */
export function phaseOf(obj: KubeObject | undefined): string | undefined {
  const phase = getPath(obj, ['status', 'phase']);
  return typeof phase === 'string' ? phase : undefined;
}
