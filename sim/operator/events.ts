/**
 * Kubernetes Events the simulated operators record, as the real ones do (what `kubectl describe`
 * shows under Events). Recording never fails the caller.
 */
import type { ClusterState, KubeObject } from '../core/contract';

export type EventRecorder = (
  object: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
) => void;

/** An event recorder writing core/v1 Events named `<object>.<16 hex>` for `component`. */
export function createEventRecorder(
  state: ClusterState,
  component: string,
  random: () => number,
): EventRecorder {
  return (object, type, reason, message) => {
    const namespace = object.metadata.namespace ?? 'default';
    const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    let suffix = '';
    for (let i = 0; i < 16; i++) suffix += Math.floor(random() * 16).toString(16);
    try {
      state.create(
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${object.metadata.name}.${suffix}`, namespace },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            namespace,
            uid: object.metadata.uid,
            resourceVersion: object.metadata.resourceVersion,
          },
          reason,
          message,
          type,
          source: { component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: component,
          reportingInstance: `${component}-0`,
        },
        { skipAdmission: true },
      );
    } catch {
      // Events are best effort, as in Kubernetes (e.g. the namespace is being deleted).
    }
  };
}
