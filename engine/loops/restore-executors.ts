/**
 * The restore operation: prepare the target (a new database applied with
 * `init.waitForInitialRestore`, or a paused one resumed), apply one RestoreSession whose name
 * derives from the operation id (server-side apply: a retry or a resumed daemon re-applies the same
 * object, never a second one), follow it to the end, wait for the target to be Ready, and put a
 * paused database back. A failure names KubeStash's reason; the source database is never touched.
 */
import { delay } from '../base/clock';
import { EngineError } from '../base/errors';
import { ENGINE_KINDS, type Database } from '../domain';
import { FIELD_MANAGER } from '../kube';
import { buildDatabaseManifest, buildDesiredManifests } from '../kubedb/manifests';
import {
  KUBESTASH_CORE_API,
  KUBESTASH_STORAGE_API,
  buildOperationRestoreSession,
  readRestoreSession,
  restoreSessionSelector,
  type RestoreParams,
} from '../kubedb/restore';
import { KUBEDB_API_VERSION, type KubeObject } from '../kubedb/types';
import { specOf } from '../services/databases';
import type { Execution } from './executors';

const WAIT = { minMs: 100, maxMs: 2_000, deadlineMs: 60 * 60_000, syncDeadlineMs: 10 * 60_000 };

async function waitUntil<T>(
  execution: Execution,
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = WAIT.deadlineMs,
): Promise<T> {
  const { clock, store } = execution.context;
  const deadline = clock.now() + deadlineMs;
  let pause = WAIT.minMs;
  for (;;) {
    if ((await store.operations.find(execution.operation.id))?.status === 'CANCELLED')
      throw new EngineError('CONFLICT', 'the operation was aborted', { terminal: true });
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.now() >= deadline)
      throw new EngineError('UNAVAILABLE', `timed out waiting for ${what}`, { terminal: true });
    await delay(pause, execution.signal, clock);
    pause = Math.min(WAIT.maxMs, pause * 2);
  }
}

async function livePhase(execution: Execution): Promise<string | null> {
  const { client, database } = execution;
  const live = await client.get(
    KUBEDB_API_VERSION,
    ENGINE_KINDS[database.engine],
    database.namespace,
    database.name,
    execution.signal,
  );
  if (!live) return null;
  return String((live.status as { phase?: string } | undefined)?.phase ?? '');
}

async function waitForPhase(execution: Execution, phases: readonly string[]): Promise<void> {
  await waitUntil(
    execution,
    `${execution.database.name} to be ${phases.join(' or ')}`,
    async () => {
      const phase = await livePhase(execution);
      return phase && phases.includes(phase) ? true : undefined;
    },
  );
}

async function setHalted(execution: Execution, halted: boolean): Promise<void> {
  await execution.client.apply(buildDatabaseManifest({ ...specOf(execution.database), halted }), {
    fieldManager: FIELD_MANAGER,
    force: true,
    signal: execution.signal,
  });
}

function paramsOf(execution: Execution): RestoreParams {
  const params = execution.operation.params as Partial<RestoreParams>;
  if ((params.mode !== 'in-place' && params.mode !== 'new') || !params.sourceId || !params.snapshot)
    throw new EngineError('INTERNAL', 'the restore operation lacks its mode, source or snapshot', {
      terminal: true,
    });
  return params as RestoreParams;
}

/**
 * The operation's one RestoreSession: on a redelivery (a retry, a resumed daemon) the session this
 * operation already labelled is adopted and followed as it is, never applied again or doubled;
 * otherwise `wanted` is applied. Two labelled sessions for one operation are a terminal conflict.
 */
async function claimRestoreSession(execution: Execution, wanted: KubeObject): Promise<KubeObject> {
  const { client, operation, report } = execution;
  const existing = await client.list(KUBESTASH_CORE_API, 'RestoreSession', {
    namespace: wanted.metadata.namespace,
    labelSelector: restoreSessionSelector(operation.id),
    signal: execution.signal,
  });
  if (existing.items.length > 1)
    throw new EngineError(
      'CONFLICT',
      `RestoreSessions ${existing.items.map((i) => i.metadata.name).join(', ')} all belong to this operation`,
      { terminal: true },
    );
  const adopted = existing.items[0];
  if (adopted) {
    await report.step('adopt RestoreSession', adopted.metadata.name);
    return adopted;
  }
  await report.step('apply RestoreSession', wanted.metadata.name);
  await client.apply(wanted, {
    fieldManager: FIELD_MANAGER,
    force: true,
    signal: execution.signal,
  });
  return wanted;
}

/**
 * A restore on another cluster: the source's repository is placed there (its backup storage and
 * encryption Secret), then KubeStash syncs the Repository and its Snapshots from the bucket; the
 * restore waits, bounded, until the chosen snapshot is there and succeeded. Nothing on the source's
 * cluster is written.
 */
async function syncRepository(
  execution: Execution,
  params: RestoreParams,
  source: Database,
): Promise<void> {
  const { context, client, database, report } = execution;
  if (!context.placeRestoreRepository)
    throw new EngineError('INTERNAL', 'this engine cannot place a repository on another cluster', {
      terminal: true,
    });
  await report.step('place repository', `backup storage of ${source.name} on the target cluster`);
  await context.placeRestoreRepository(source.id, database.providerId);
  await report.step('wait for snapshot sync', `snapshot ${params.snapshot} on the target cluster`);
  let seen = 'not synced yet';
  await waitUntil(
    execution,
    `KubeStash to sync snapshot ${params.snapshot} of ${source.name} to the target cluster`,
    async () => {
      const snap = await client.get(
        KUBESTASH_STORAGE_API,
        'Snapshot',
        source.namespace,
        params.snapshot,
        execution.signal,
      );
      if (snap) seen = String((snap.status as { phase?: string } | undefined)?.phase ?? 'no phase');
      return seen === 'Succeeded' ? true : undefined;
    },
    WAIT.syncDeadlineMs,
  ).catch(async (error: unknown) => {
    if (!(error instanceof EngineError) || error.code !== 'UNAVAILABLE') throw error;
    throw new EngineError(
      'UNAVAILABLE',
      `${error.message} (snapshot: ${seen}${await syncErrorOf(execution, source)})`,
      { terminal: true, cause: error },
    );
  });
  await report.progress(10, `snapshot ${params.snapshot} synced`);
}

/** What the target cluster's BackupStorages say about syncing the source's namespace. */
async function syncErrorOf(execution: Execution, source: Database): Promise<string> {
  const page = await execution.client
    .list(KUBESTASH_STORAGE_API, 'BackupStorage', { namespace: source.namespace })
    .catch(() => ({ items: [] as KubeObject[] }));
  const errors = page.items.flatMap((storage) =>
    (
      (storage.status as { repositories?: { namespace?: string; error?: string }[] } | undefined)
        ?.repositories ?? []
    )
      .filter((r) => r.namespace === source.namespace && r.error)
      .map((r) => r.error),
  );
  return errors.length ? `; repository sync: ${errors.join('; ')}` : '';
}

/** Executes a `restore` operation (see the module comment). */
export async function executeRestore(execution: Execution): Promise<void> {
  const { client, database, report, operation, context } = execution;
  const params = paramsOf(execution);
  const source = await context.store.databases.get(params.sourceId);

  if (
    params.mode === 'new' &&
    params.sourceProviderId &&
    params.sourceProviderId !== database.providerId
  )
    await syncRepository(execution, params, source);
  if (params.mode === 'new') {
    await report.step('create target', `${database.name} waits for its initial restore`);
    for (const manifest of buildDesiredManifests({
      ...specOf(database),
      waitForInitialRestore: true,
    })) {
      await client.apply(manifest, {
        fieldManager: FIELD_MANAGER,
        force: true,
        signal: execution.signal,
      });
    }
  } else if (params.wasPaused) {
    await report.step('resume for restore');
    await setHalted(execution, false);
    await waitForPhase(execution, ['Ready', 'Critical']);
  }
  await report.progress(20, 'target prepared');

  const session = await claimRestoreSession(
    execution,
    buildOperationRestoreSession(specOf(source), specOf(database), {
      operationId: operation.id,
      snapshot: params.snapshot,
      ...(params.targetTime ? { targetTime: params.targetTime } : {}),
      ...(params.repository ? { repository: params.repository } : {}),
    }),
  );
  await report.opsRequest(session.metadata.name);

  await report.step(
    'wait for KubeStash',
    `snapshot ${params.snapshot}${params.targetTime ? ` to ${params.targetTime}` : ''}`,
  );
  let lastPhase = '';
  const done = await waitUntil(execution, `RestoreSession ${session.metadata.name}`, async () => {
    const live = await client.get(
      KUBESTASH_CORE_API,
      'RestoreSession',
      session.metadata.namespace,
      session.metadata.name,
      execution.signal,
    );
    if (!live)
      throw new EngineError('UNAVAILABLE', `RestoreSession ${session.metadata.name} disappeared`, {
        terminal: false,
      });
    const status = readRestoreSession(live);
    if (status.phase !== lastPhase) {
      lastPhase = status.phase;
      await report.progress(status.phase === 'Running' ? 50 : 30, `KubeStash: ${status.phase}`);
    }
    return status.done ? status : undefined;
  });
  if (!done.succeeded)
    throw new EngineError(
      'UNPROCESSABLE',
      `KubeStash failed the restore of snapshot ${params.snapshot} into ${database.name}: ${done.reason ?? done.phase}`,
      { terminal: true },
    );

  await report.step('wait for Ready', database.name);
  await report.progress(80, `restored${done.duration ? ` in ${done.duration}` : ''}`);
  await waitForPhase(execution, ['Ready']);
  if (params.mode === 'in-place' && params.wasPaused) {
    await report.step('pause again');
    await setHalted(execution, true);
    await waitForPhase(execution, ['Halted']);
  }
}
