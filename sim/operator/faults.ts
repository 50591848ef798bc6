/**
 * Operator faults (crashing pods, a database down, failing or stuck OpsRequests), kept as plain
 * sets that the controllers read on every reconcile, and exposed through `OperatorFaults`.
 */
import type { ClusterState, OperatorFaults } from '../core/contract';

/** What the controllers ask the fault registry. */
export class FaultRegistry {
  private readonly crashed = new Set<string>();
  private readonly down = new Set<string>();
  private readonly failNext = new Map<string, string>();
  private readonly stickNext = new Set<string>();

  isCrashed(namespace: string, pod: string): boolean {
    return this.crashed.has(`${namespace}/${pod}`);
  }

  /** `plural` is the database's resource plural (from the pod's app.kubernetes.io/name label). */
  isDown(kind: string, namespace: string, name: string): boolean {
    return this.down.has(`${kind.toLowerCase()}/${namespace}/${name}`);
  }

  /** Takes the pending OpsRequest fault for a database, if any (each fires once). */
  takeOpsFault(namespace: string, database: string): { fail?: string; stick?: boolean } {
    const key = `${namespace}/${database}`;
    const fail = this.failNext.get(key);
    if (fail !== undefined) {
      this.failNext.delete(key);
      return { fail };
    }
    if (this.stickNext.delete(key)) return { stick: true };
    return {};
  }

  setCrashed(namespace: string, pod: string, on: boolean): void {
    if (on) this.crashed.add(`${namespace}/${pod}`);
    else this.crashed.delete(`${namespace}/${pod}`);
  }

  /** Clears crashes of every pod whose name starts with `prefix` (a database's pods). */
  clearCrashedWithPrefix(namespace: string, prefix: string): void {
    for (const key of [...this.crashed])
      if (key.startsWith(`${namespace}/${prefix}`)) this.crashed.delete(key);
  }

  setDown(kind: string, namespace: string, name: string, on: boolean): void {
    const key = `${kind.toLowerCase()}/${namespace}/${name}`;
    if (on) this.down.add(key);
    else this.down.delete(key);
  }

  setFailNext(namespace: string, database: string, reason: string): void {
    this.failNext.set(`${namespace}/${database}`, reason);
  }

  setStickNext(namespace: string, database: string): void {
    this.stickNext.add(`${namespace}/${database}`);
  }
}

/**
 * The public fault interface. `crashPod` accepts a pod name, or a database name (then a pseudo-random
 * pod of that database crashes). `onChange` nudges the controllers to re-read the pods at once.
 */
export function createOperatorFaults(
  registry: FaultRegistry,
  state: ClusterState,
  random: () => number,
  onChange: (namespace: string) => void,
): OperatorFaults {
  const resolvePod = (namespace: string, podName: string): string => {
    if (state.get('v1', 'Pod', namespace, podName)) return podName;
    const pods = state
      .list('v1', 'Pod', {
        namespace,
        labels: {
          'app.kubernetes.io/instance': podName,
          'app.kubernetes.io/managed-by': 'kubedb.com',
        },
      })
      .map((p) => p.metadata.name ?? '')
      .sort();
    return pods.length > 0 ? (pods[Math.floor(random() * pods.length)] as string) : podName;
  };
  return {
    crashPod(namespace, podName) {
      registry.setCrashed(namespace, resolvePod(namespace, podName), true);
      onChange(namespace);
    },
    recoverPod(namespace, podName) {
      registry.setCrashed(namespace, podName, false);
      if (!state.get('v1', 'Pod', namespace, podName))
        registry.clearCrashedWithPrefix(namespace, `${podName}-`);
      onChange(namespace);
    },
    downDatabase(kind, namespace, name) {
      registry.setDown(kind, namespace, name, true);
      onChange(namespace);
    },
    recoverDatabase(kind, namespace, name) {
      registry.setDown(kind, namespace, name, false);
      onChange(namespace);
    },
    failNextOpsRequest(namespace, database, reason = 'simulated failure') {
      registry.setFailNext(namespace, database, reason);
    },
    stickNextOpsRequest(namespace, database) {
      registry.setStickNext(namespace, database);
    },
  };
}
