import { delay } from '../base/clock';
import { EngineError } from '../base/errors';
import { ENGINE_KINDS, type Database, type Operation, type OperationType } from '../domain';
import { FIELD_MANAGER, type ClusterClient } from '../kube';
import { buildDatabaseManifest, buildDesiredManifests } from '../kubedb/manifests';
import { buildOpsRequestForOperation, readOpsRequestStatus, type OpsProgress } from '../kubedb/ops';
import { KUBEDB_API_VERSION, type KubeObject } from '../kubedb/types';
import { specOf } from '../services/databases';
import { runBackup } from './backup-executors';
import type { LoopContext } from './context';
import { executeRestore } from './restore-executors';

/** What an executor may report while it works. */
export interface ExecutionReporter {
  step(name: string, message?: string | null): Promise<void>;
  progress(percent: number, message?: string | null): Promise<void>;
  /** Records the OpsRequest the operation applied (for the console and for crash recovery). */
  opsRequest(name: string): Promise<void>;
}

export interface Execution {
  context: LoopContext;
  client: ClusterClient;
  operation: Operation;
  database: Database;
  signal: AbortSignal;
  report: ExecutionReporter;
}

/** Bounds of the waits inside an operation. */
const WAIT = {
  minMs: 100,
  maxMs: 2_000,
  opsDeadlineMs: 45 * 60_000,
  objectDeadlineMs: 15 * 60_000,
};

/**
 * Waits for `probe` to return a value, re-reading the cluster with a growing pause (no tight loop),
 * until the deadline or the signal.
 */
async function waitFor<T>(
  execution: Execution,
  what: string,
  deadlineMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const { clock } = execution.context;
  const deadline = clock.now() + deadlineMs;
  let pause = WAIT.minMs;
  for (;;) {
    await stopIfAborted(execution);
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.now() >= deadline)
      throw new EngineError('UNAVAILABLE', `timed out waiting for ${what}`, { terminal: true });
    await delay(pause, execution.signal, clock);
    pause = Math.min(WAIT.maxMs, pause * 2);
  }
}

/** An operation aborted through the API (marked CANCELLED) is not followed any further. */
async function stopIfAborted(execution: Execution): Promise<void> {
  const current = await execution.context.store.operations.find(execution.operation.id);
  if (current?.status === 'CANCELLED')
    throw new EngineError('CONFLICT', 'the operation was aborted', { terminal: true });
}

/** Applies an OpsRequest (idempotent: its name derives from the operation) and follows it to the end. */
async function runOpsRequest(
  execution: Execution,
  type: OperationType,
  params: Record<string, unknown>,
  key: string,
): Promise<void> {
  const { client, database, report } = execution;
  const manifest = buildOpsRequestForOperation(
    { database: specOf(database), operationId: key },
    type,
    params,
  );
  await report.step(`apply ${manifest.kind}`);
  await client.apply(manifest, {
    fieldManager: FIELD_MANAGER,
    force: true,
    signal: execution.signal,
  });
  await report.opsRequest(manifest.metadata.name);
  await report.step('wait for KubeDB', manifest.metadata.name);
  let last: OpsProgress | null = null;
  const done = await waitFor(
    execution,
    `OpsRequest ${manifest.metadata.name}`,
    WAIT.opsDeadlineMs,
    async () => {
      const { name, namespace } = manifest.metadata;
      const live =
        execution.context.cachedOpsRequest?.(
          database.providerId,
          manifest.kind,
          namespace ?? '',
          name,
        ) ??
        (await client.get(manifest.apiVersion, manifest.kind, namespace, name, execution.signal));
      if (!live)
        throw new EngineError('UNAVAILABLE', `OpsRequest ${name} disappeared`, { terminal: false });
      const status = readOpsRequestStatus(live);
      if (!last || last.progress !== status.progress)
        await report.progress(status.progress, status.message);
      last = status;
      return status.done ? status : undefined;
    },
  );
  if (done.outcome === 'failed') {
    throw new EngineError(
      'UNPROCESSABLE',
      `KubeDB failed the ${manifest.kind}: ${done.reason ?? 'Failed'}${done.message ? ` — ${done.message}` : ''}`,
      {
        terminal: true,
      },
    );
  }
  if (done.outcome === 'skipped') {
    throw new EngineError(
      'CONFLICT',
      `KubeDB skipped the ${manifest.kind} because a newer request for the same database exists`,
      {
        terminal: true,
      },
    );
  }
}

async function liveDatabase(execution: Execution): Promise<KubeObject | null> {
  const { client, database } = execution;
  return client.get(
    KUBEDB_API_VERSION,
    ENGINE_KINDS[database.engine],
    database.namespace,
    database.name,
    execution.signal,
  );
}

async function waitForPhase(execution: Execution, phases: readonly string[]): Promise<void> {
  await waitFor(execution, `phase ${phases.join(' or ')}`, WAIT.objectDeadlineMs, async () => {
    const live = await liveDatabase(execution);
    const phase = (live?.status as { phase?: string } | undefined)?.phase;
    return phase && phases.includes(phase) ? true : undefined;
  });
}

async function create(execution: Execution): Promise<void> {
  const { client, database, report } = execution;
  await report.step('apply');
  for (const manifest of buildDesiredManifests(specOf(database))) {
    await client.apply(manifest, {
      fieldManager: FIELD_MANAGER,
      force: true,
      signal: execution.signal,
    });
  }
  await report.progress(50, 'applied; KubeDB is provisioning');
}

async function remove(execution: Execution): Promise<void> {
  const { client, database, report } = execution;
  await report.step('delete');
  const objects = buildDesiredManifests(specOf(database))
    .filter((o) => o.kind !== 'Namespace')
    .reverse();
  for (const object of objects) {
    await client.delete(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
      object.metadata.name,
      { signal: execution.signal },
    );
  }
  await report.step('wait for removal');
  await waitFor(execution, `${database.name} to be removed`, WAIT.objectDeadlineMs, async () =>
    (await liveDatabase(execution)) ? undefined : true,
  );
}

/** Deletes the objects a create applies (not the namespace, which other databases may share). */
export async function undoApplied(client: ClusterClient, database: Database): Promise<void> {
  const objects = buildDesiredManifests(specOf(database))
    .filter((o) => o.kind !== 'Namespace')
    .reverse();
  for (const object of objects) {
    await client.delete(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
      object.metadata.name,
    );
  }
}

/** Pause and resume apply the database with `halted` set, then wait for KubeDB to follow. */
async function setHalted(execution: Execution, halted: boolean): Promise<void> {
  const { client, database, report } = execution;
  await report.step(halted ? 'halt' : 'resume');
  const manifest = buildDatabaseManifest({ ...specOf(database), halted });
  await client.apply(manifest, {
    fieldManager: FIELD_MANAGER,
    force: true,
    signal: execution.signal,
  });
  await report.step(halted ? 'wait for Halted' : 'wait for Ready');
  await waitForPhase(execution, halted ? ['Halted'] : ['Ready', 'Critical']);
}

/**
 * Applies the database object as desired, for what KubeDB takes without an OpsRequest (deletionPolicy,
 * labels, annotations); server-side apply with force takes those fields back from another manager.
 */
async function applySettings(execution: Execution): Promise<void> {
  const { client, database, report } = execution;
  await report.step('apply settings');
  await client.apply(buildDatabaseManifest(specOf(database)), {
    fieldManager: FIELD_MANAGER,
    force: true,
    signal: execution.signal,
  });
}

/** Runs the planned repair steps in order; each OpsRequest gets its own deterministic name. */
async function repairDrift(execution: Execution): Promise<void> {
  const steps = (execution.operation.params.steps ?? []) as {
    type: OperationType;
    params: Record<string, unknown>;
  }[];
  for (const [index, step] of steps.entries()) {
    if (step.type === 'pause' || step.type === 'resume')
      await setHalted(execution, step.type === 'pause');
    else if (step.type === 'update-settings') await applySettings(execution);
    else
      await runOpsRequest(execution, step.type, step.params, `${execution.operation.id}-${index}`);
    await execution.report.progress(Math.round(((index + 1) / steps.length) * 100));
  }
}

/** Executes one operation against its cluster. Idempotent: a second run after a crash repeats nothing harmful. */
export async function execute(execution: Execution): Promise<void> {
  const { operation } = execution;
  switch (operation.type) {
    case 'create':
      return create(execution);
    case 'delete':
      return remove(execution);
    case 'pause':
      return setHalted(execution, true);
    case 'resume':
      return setHalted(execution, false);
    case 'repair-drift':
      return repairDrift(execution);
    case 'update-settings':
      return applySettings(execution);
    case 'scale-horizontal':
      await runOpsRequest(execution, operation.type, operation.params, operation.id);
      // A Postgres that went from 1 replica to many (or back) changed mode: the standby and streaming
      // modes of its desired manifest are applied, so they are not mistaken for drift.
      if (execution.database.engine === 'postgres') await applySettings(execution);
      return;
    case 'scale-vertical':
    case 'expand-volume':
    case 'update-version':
    case 'restart':
    case 'rotate-credentials':
      return runOpsRequest(execution, operation.type, operation.params, operation.id);
    case 'backup':
      return runBackup(execution);
    case 'restore':
      return executeRestore(execution);
  }
}
