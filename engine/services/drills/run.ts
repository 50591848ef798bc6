/**
 * One drill run for one database: read the source's counts (the default check), restore the newest
 * snapshot into a scratch database, verify the scratch through the data path, delete the scratch
 * (always, also when verification throws), and answer the run to record.
 */
import { EngineError } from '../../base/errors';
import type { DataVerifiers, TableCount } from '../../dataplane';
import type { Database, Operation } from '../../domain';
import { shortHash } from '../../kubedb/names';
import { isoNow, type ServiceContext } from '../context';
import type { DatabaseService } from '../databases';
import type { ProviderService } from '../providers';
import type { RestoreService } from '../restore';
import { describeCounts, judgeCounts, verifierFor, withDataPath } from './verification';

const RUN_DEADLINE_MS = 60 * 60_000;
/** The label that marks a scratch database of a drill. */
export const DRILL_LABEL = 'dbaas.kubedb.dev/restore-drill';

export interface DrillRun {
  startedAt: string;
  finishedAt: string | null;
  passed: boolean | null;
  rtoSeconds: number | null;
  message: string;
  databaseId?: string;
  scratchDatabaseId?: string;
}

export interface DrillVerify {
  sql?: string;
  command?: string;
}

export interface DrillRunDeps {
  context: ServiceContext;
  databases: DatabaseService;
  restore: RestoreService;
  providers: ProviderService;
  verifiers: DataVerifiers;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The user's verification that applies to this engine: SQL for SQL engines, a command for Redis. */
export function verificationFor(engine: string, verify?: DrillVerify): string | undefined {
  if (engine === 'redis') return verify?.command;
  if (engine === 'postgres' || engine === 'mysql' || engine === 'mariadb') return verify?.sql;
  return undefined;
}

/** Says so when the drill's verification is of a kind this engine does not take (a project drill). */
function ignoredNote(engine: string, verify: DrillVerify | undefined, used: string | undefined) {
  const given = verify?.sql !== undefined ? 'verify.sql' : verify?.command !== undefined ? 'verify.command' : undefined; // prettier-ignore
  return given && used === undefined ? ` (${given} does not apply to ${engine})` : '';
}

async function waitForOperation(context: ServiceContext, id: string): Promise<Operation> {
  const deadline = Date.now() + RUN_DEADLINE_MS;
  for (let pause = 200; Date.now() < deadline; pause = Math.min(5_000, pause * 2)) {
    const op = await context.store.operations.get(id);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(op.status)) return op;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  throw new EngineError('UNAVAILABLE', `the drill's restore ${id} did not finish in time`);
}

type SourceCounts = { counts: TableCount[] } | { error: string } | undefined;

/** Counts of the source's largest tables at drill start (only for the default check). */
async function readSource(
  deps: DrillRunDeps,
  database: Database,
  userVerification: string | undefined,
): Promise<SourceCounts> {
  const verifier = verifierFor(deps.verifiers, database.engine);
  if (!verifier || userVerification) return undefined;
  try {
    const client = await deps.providers.clientFor(
      await deps.context.store.providers.get(database.providerId),
    );
    return { counts: await withDataPath(client, database, (ep) => verifier.counts(ep)) };
  } catch (error) {
    return { error: messageOf(error) };
  }
}

/** Verifies the scratch database; throws with the reason when the check itself fails. */
async function verifyScratch(
  deps: DrillRunDeps,
  scratch: Database,
  userVerification: string | undefined,
  source: SourceCounts,
): Promise<{ passed: boolean; summary: string }> {
  const verifier = verifierFor(deps.verifiers, scratch.engine);
  if (!verifier)
    return {
      passed: true,
      summary: `phase-only: the engine has no data path into ${scratch.engine}, so KubeDB's Ready is the check`,
    };
  const client = await deps.providers.clientFor(
    await deps.context.store.providers.get(scratch.providerId),
  );
  if (userVerification)
    return {
      passed: true,
      summary: await withDataPath(client, scratch, (ep) => verifier.verify(ep, userVerification)),
    };
  if (source && 'counts' in source) {
    const tables = source.counts.map((c) => c.table);
    const restored = await withDataPath(client, scratch, (ep) => verifier.counts(ep, tables));
    return judgeCounts(source.counts, restored);
  }
  const restored = await withDataPath(client, scratch, (ep) => verifier.counts(ep));
  const why = source && 'error' in source ? source.error : 'not read';
  return {
    passed: true,
    summary: `${describeCounts(restored)} (the source could not be read to compare: ${why})`,
  };
}

export async function runDrillOnce(
  deps: DrillRunDeps,
  drill: { id: string; verify?: DrillVerify },
  database: Database,
  actor?: string,
): Promise<DrillRun> {
  const startedAt = isoNow(deps.context);
  const who = actor ?? 'system:restore-drill';
  const userVerification = verificationFor(database.engine, drill.verify);
  const source = await readSource(deps, database, userVerification);
  const name = `${database.name.slice(0, 30)}-drill-${shortHash(`${drill.id}-${startedAt}`).slice(0, 6)}`;
  const started = await deps.restore.restore(
    database.id,
    { target: { newName: name } },
    {
      actor: who,
      targetOverrides: {
        deletionPolicy: 'WipeOut',
        labels: { ...database.labels, [DRILL_LABEL]: drill.id },
      },
    },
  );
  if (!('operation' in started) || !started.database)
    throw new EngineError('INTERNAL', 'the drill restore started no scratch database');
  const scratch = started.database;
  let passed = false;
  let rtoSeconds: number | null;
  let message: string;
  try {
    const operation = await waitForOperation(deps.context, started.operation.id);
    rtoSeconds =
      operation.startedAt && operation.finishedAt
        ? Math.round((Date.parse(operation.finishedAt) - Date.parse(operation.startedAt)) / 1000)
        : null;
    const restored = `restored ${String(operation.params.snapshot)} into ${name}`;
    if (operation.status !== 'SUCCEEDED') {
      message = `restore into ${name} failed: ${operation.error?.message ?? operation.status}`;
    } else {
      try {
        const verdict = await verifyScratch(deps, scratch, userVerification, source);
        passed = verdict.passed;
        message = `${restored}; ${verdict.summary}${ignoredNote(database.engine, drill.verify, userVerification)}`;
      } catch (error) {
        message = `${restored}, but the verification failed: ${messageOf(error)}`;
      }
    }
  } finally {
    await deps.databases
      .remove(scratch.id, { actor: who })
      .catch((error: unknown) =>
        deps.context.logger.warn(
          { err: error, databaseId: scratch.id },
          'drill scratch not removed',
        ),
      );
  }
  return {
    startedAt,
    finishedAt: isoNow(deps.context),
    passed,
    rtoSeconds,
    message,
    databaseId: database.id,
    scratchDatabaseId: scratch.id,
  };
}
