/**
 * The `backup` operation: applies the database's backup policy (idempotent), creates a KubeStash
 * BackupSession and follows it to the end. A failed session fails the attempt (retried by the
 * queue with backoff, up to the operation's attempts); the last failure carries KubeStash's reason.
 */
import { delay } from '../base/clock';
import { EngineError } from '../base/errors';
import { FIELD_MANAGER } from '../kube';
import { backupNames, buildBackupSession, readSessionStatus } from '../kubedb/kubestash';
import { OPERATION_ID_LABEL, type KubeObject } from '../kubedb/types';
import { specOf } from '../services/databases';
import { CORE_API, STORAGE_API, failureOf } from '../services/backups/items';
import type { Execution } from './executors';

const WAIT = { minMs: 100, maxMs: 2_000, databaseMs: 30 * 60_000, sessionMs: 6 * 3600_000 };

async function until<T>(
  execution: Execution,
  what: string,
  deadlineMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const { clock } = execution.context;
  const deadline = clock.now() + deadlineMs;
  let pause = WAIT.minMs;
  for (;;) {
    const current = await execution.context.store.operations.find(execution.operation.id);
    if (current?.status === 'CANCELLED')
      throw new EngineError('CONFLICT', 'the operation was aborted', { terminal: true });
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.now() >= deadline)
      throw new EngineError('UNAVAILABLE', `timed out waiting for ${what}`, { terminal: true });
    await delay(pause, execution.signal, clock);
    pause = Math.min(WAIT.maxMs, pause * 2);
  }
}

export async function runBackup(execution: Execution): Promise<void> {
  const { context, client, operation, report, signal } = execution;
  let database = execution.database;
  if (!database.backup)
    throw new EngineError('UNPROCESSABLE', `database ${database.name} has no backup policy`, {
      terminal: true,
    });
  if (!context.applyBackupPolicy)
    throw new EngineError('UNSUPPORTED', 'this engine cannot apply backup policies', {
      terminal: true,
    });
  // The first backup (a create with `backup`) waits for the database; later ones let KubeStash judge.
  if (operation.params.first === true) {
    await report.step('wait for the database');
    database = await until(
      execution,
      `database ${database.name} to be ready`,
      WAIT.databaseMs,
      async () => {
        const current = await context.store.databases.get(database.id);
        if (current.status === 'DELETED' || current.status === 'DELETING')
          throw new EngineError('CONFLICT', `database ${current.name} is being deleted`, {
            terminal: true,
          });
        return ['Ready', 'Critical'].includes(current.phase) ? current : undefined;
      },
    );
  }
  await report.step('apply the backup configuration');
  await context.applyBackupPolicy(database.id);
  const names = backupNames(database);
  const configuration = await until(
    execution,
    `BackupConfiguration ${names.backupConfiguration} to be ready`,
    WAIT.databaseMs,
    async () => {
      const live = await client.get(
        CORE_API,
        'BackupConfiguration',
        database.namespace,
        names.backupConfiguration,
        signal,
      );
      return live && (live.status as { phase?: string } | undefined)?.phase === 'Ready'
        ? live
        : undefined;
    },
  );
  await report.progress(20, 'backup configuration ready');
  // One session per attempt: a redelivery of the same attempt finds the session it created; an
  // attempt after a crash (counted as a new one) adopts the session the dead one left running.
  const current = await context.store.operations.get(operation.id);
  const labelled = await client.list(CORE_API, 'BackupSession', {
    namespace: database.namespace,
    labelSelector: `${OPERATION_ID_LABEL}=${operation.id}`,
    signal,
  });
  const left = adoptableSession(labelled.items);
  // KubeStash skips a session that starts while another of the configuration runs (a scheduled
  // one, or the first run of a new configuration): wait for it rather than lose an attempt.
  if (!left)
    await until(
      execution,
      `the running BackupSession of ${names.backupConfiguration} to finish`,
      WAIT.sessionMs,
      async () => {
        const all = await client.list(CORE_API, 'BackupSession', {
          namespace: database.namespace,
          signal,
        });
        const busy = all.items.some(
          (s) =>
            (s.spec as { invoker?: { name?: string } } | undefined)?.invoker?.name ===
              names.backupConfiguration && !readSessionStatus(s).done,
        );
        return busy ? undefined : true;
      },
    );
  const session = left
    ? { object: left, existing: true }
    : await claimSessionName(
        (unixSeconds) =>
          buildBackupSession(specOf(database), {
            operationId: operation.id,
            unixSeconds,
            backupConfigurationUid: configuration.metadata.uid,
          }),
        // Each attempt has its own range of names, so that one never adopts another's session.
        Date.parse(operation.createdAt) / 1000 + NAME_TRIES * Math.max(0, current.attempts - 1),
        operation.id,
        (name) => client.get(CORE_API, 'BackupSession', database.namespace, name, signal),
      );
  await report.step('back up', session.object.metadata.name);
  if (!session.existing)
    await client.apply(session.object, { fieldManager: FIELD_MANAGER, force: true, signal });
  const done = await until(
    execution,
    `BackupSession ${session.object.metadata.name}`,
    WAIT.sessionMs,
    async () => {
      const live: KubeObject | null = await client.get(
        CORE_API,
        'BackupSession',
        database.namespace,
        session.object.metadata.name,
        signal,
      );
      // KubeStash prunes finished sessions beyond the history limit: the Snapshot then tells.
      if (!live) return fromSnapshot(execution, session.object.metadata.name);
      const status = readSessionStatus(live);
      return status.done ? { live, status, reason: undefined } : undefined;
    },
  );
  if (!done.status.succeeded) {
    const reason =
      done.reason ?? failureOf(done.live) ?? `the BackupSession ended ${done.status.phase}`;
    throw new EngineError(
      'UNAVAILABLE',
      `backup ${session.object.metadata.name} failed: ${reason}`,
    );
  }
  await report.progress(100, done.status.snapshot ? `snapshot ${done.status.snapshot}` : null);
}

/**
 * The session of this operation that a new attempt carries on with: one still pending or running
 * (a crashed attempt's; a second would be skipped by KubeStash while it runs) or one that
 * succeeded (the backup is done). Failed ones are not: the attempt makes a new session.
 */
export function adoptableSession(sessions: readonly KubeObject[]): KubeObject | undefined {
  return [...sessions]
    .filter((s) => {
      const status = readSessionStatus(s);
      return !status.done || status.succeeded;
    })
    .sort((a, b) =>
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
    )[0];
}

/** Seconds tried after the first when a name is taken by a session of someone else. */
const NAME_TRIES = 10;

/**
 * The session of this attempt: the one it created before (a redelivery), or a new one under the
 * first free name from `unixSeconds` on. KubeStash's own scheduled sessions use the same
 * `<bc>-<session>-<unix>` names, so a name can be taken by a session this operation never made.
 */
export async function claimSessionName(
  build: (unixSeconds: number) => KubeObject,
  unixSeconds: number,
  operationId: string,
  get: (name: string) => Promise<KubeObject | null>,
): Promise<{ object: KubeObject; existing: boolean }> {
  for (let i = 0; i < NAME_TRIES; i++) {
    const object = build(Math.floor(unixSeconds) + i);
    const live = await get(object.metadata.name ?? '');
    if (!live) return { object, existing: false };
    if (live.metadata.labels?.[OPERATION_ID_LABEL] === operationId)
      return { object, existing: true };
  }
  throw new EngineError(
    'CONFLICT',
    `no free BackupSession name: the ${NAME_TRIES} names after ${Math.floor(unixSeconds)} are taken by other sessions`,
  );
}

/** The result of a pruned session, from its Snapshot (`<repository>-<session>`). */
async function fromSnapshot(
  execution: Execution,
  sessionName: string,
): Promise<
  | { live: KubeObject; status: ReturnType<typeof readSessionStatus>; reason: string | undefined }
  | undefined
> {
  const { client, database, signal } = execution;
  const name = `${backupNames(database).repository}-${sessionName}`;
  const snapshot = await client.get(STORAGE_API, 'Snapshot', database.namespace, name, signal);
  if (!snapshot)
    throw new EngineError(
      'UNAVAILABLE',
      `BackupSession ${sessionName} disappeared with no snapshot`,
    );
  const phase = (snapshot.status as { phase?: string } | undefined)?.phase ?? 'Pending';
  if (!['Succeeded', 'Failed'].includes(phase)) return undefined;
  return {
    live: snapshot,
    status: { phase, done: true, succeeded: phase === 'Succeeded', snapshot: name },
    reason: phase === 'Failed' ? failureOf(undefined, snapshot) : undefined,
  };
}
