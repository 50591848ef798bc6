/**
 * What the console says about work in progress: what a change goes from and to, what KubeDB's phase
 * means while it runs, and when a create is really done. Pure, so every view says the same.
 */
import type { Database, Operation } from '../api';

/** Which drift paths each operation type changes. */
const PATHS: Partial<Record<Operation['type'], string[]>> = {
  'update-version': ['version'],
  'scale-horizontal': ['replicas', 'topology.shards'],
  'scale-vertical': ['resources.cpu', 'resources.memory'],
  'expand-volume': ['storage.size'],
  'repair-drift': [
    'replicas',
    'topology.shards',
    'version',
    'resources.cpu',
    'resources.memory',
    'storage.size',
    'halted',
  ],
};

interface Change {
  path: string;
  to: unknown;
}

/** What an operation asked for, from its parameters, as drift paths and target values. */
const TARGETS: Partial<Record<Operation['type'], (params: Record<string, unknown>) => Change[]>> = {
  'update-version': (p) => [{ path: 'version', to: p.targetVersion }],
  'scale-horizontal': (p) => [
    { path: 'replicas', to: p.replicas },
    ...(p.shards !== undefined ? [{ path: 'topology.shards', to: p.shards }] : []),
  ],
  'scale-vertical': (p) => [
    ...(p.cpu !== undefined ? [{ path: 'resources.cpu', to: p.cpu }] : []),
    ...(p.memory !== undefined ? [{ path: 'resources.memory', to: p.memory }] : []),
  ],
  'expand-volume': (p) => [{ path: 'storage.size', to: p.size }],
};

/** The value before the change, as the engine recorded it (`params.previous`), by drift path. */
function previousValue(params: Record<string, unknown>, path: string): unknown {
  let value: unknown = params.previous;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const LABELS: Record<string, string> = {
  'topology.shards': 'shards',
  'resources.cpu': 'cpu',
  'resources.memory': 'memory',
  'storage.size': 'storage',
};

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number'
    ? String(value)
    : JSON.stringify(value);
}

export function isActive(operation: Pick<Operation, 'status'>): boolean {
  return operation.status === 'QUEUED' || operation.status === 'RUNNING';
}

/**
 * "version 16.4 → 17.9": the change an operation makes, from the value before it (recorded by the
 * engine, or the live value the engine sees while it runs) to its target.
 */
export function changeSummary(
  database: Pick<Database, 'drift'>,
  operation: Pick<Operation, 'type' | 'status' | 'params'>,
): string {
  const active = isActive(operation);
  const targets = TARGETS[operation.type]?.(operation.params);
  if (!targets) {
    // A repair names what it moves only through the drift it repairs.
    const paths = PATHS[operation.type] ?? [];
    if (!active) return '';
    return database.drift
      .filter((entry) => paths.includes(entry.path))
      .map((e) => `${LABELS[e.path] ?? e.path} ${text(e.live)} → ${text(e.desired)}`)
      .join(', ');
  }
  return targets
    .map(({ path, to }) => {
      const live = active ? database.drift.find((entry) => entry.path === path)?.live : undefined;
      const from = previousValue(operation.params, path) ?? live;
      const label = LABELS[path] ?? path;
      return from === undefined ? `${label} → ${text(to)}` : `${label} ${text(from)} → ${text(to)}`;
    })
    .join(', ');
}

/**
 * The engine line of the detail page: during an upgrade the target is a target ("16.4, upgrading
 * to 17.9"), not the version that runs.
 */
export function versionText(database: Pick<Database, 'version' | 'drift'>): string {
  const drift = database.drift.find((entry) => entry.path === 'version');
  if (!drift) return database.version;
  return `${text(drift.live)} (target ${text(drift.desired)})`;
}

const WORK: Partial<Record<Operation['type'], string>> = {
  restart: 'the restart',
  'scale-horizontal': 'the scaling',
  'scale-vertical': 'the resize',
  'expand-volume': 'the volume expansion',
  'update-version': 'the upgrade',
  'repair-drift': 'the drift repair',
  'rotate-credentials': 'the credential rotation',
};

/**
 * Why the database is in its phase: KubeDB's reason (the failing condition's message), or that it
 * gave none; during an operation that takes pods down, a degraded phase is expected and says so.
 */
export function phaseWhy(
  database: Pick<Database, 'phase' | 'statusReason' | 'conditions'>,
  active: Pick<Operation, 'type'> | null,
): string | null {
  const failing = database.conditions.find((c) => c.status === 'False' && c.type !== 'Paused');
  const reason =
    database.statusReason ??
    (failing ? failing.message || failing.reason || `${failing.type} is False` : null);
  const degraded = database.phase === 'Critical' || database.phase === 'NotReady';
  const work = active ? WORK[active.type] : undefined;
  if (degraded && work) {
    return `expected while ${work} runs: KubeDB takes pods down and brings them back one at a time${
      reason ? ` (${reason})` : ''
    }`;
  }
  if (reason) return reason;
  return degraded ? 'no reason given by KubeDB' : null;
}

/** The create page's progress: applied is not done until the database is Ready. */
export function createProgress(
  database: Pick<Database, 'status' | 'phase' | 'statusReason'> | undefined,
  operation: Pick<Operation, 'status' | 'progress' | 'error'> | undefined,
): { value: number; operation: string; message: string } {
  const phase = database?.phase || 'none yet';
  if (database?.status === 'RUNNING')
    return { value: 100, operation: 'applied', message: 'It runs.' };
  if (operation?.status === 'FAILED' || database?.status === 'FAILED') {
    return {
      value: operation?.progress ?? 0,
      operation: operation?.status === 'FAILED' ? 'failed' : 'applied',
      message: `It failed: ${operation?.error?.message ?? database?.statusReason ?? 'no reason given'}`,
    };
  }
  if (operation?.status === 'SUCCEEDED') {
    // The objects are in the cluster; KubeDB still has to bring the database up.
    return {
      value: 90,
      operation: 'applied',
      message: `Applied — waiting for the database to be Ready (phase ${phase})`,
    };
  }
  return {
    value: Math.min(operation?.progress ?? 0, 90),
    operation: operation ? operation.status.toLowerCase() : 'queued',
    message: `Applying the objects… (phase ${phase})`,
  };
}
