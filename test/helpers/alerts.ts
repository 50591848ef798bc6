/** What tests of other routes need of alerts: a real alert of a database, and a channel record. */
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { waitFor, type TestEngine } from './engine';

/**
 * A firing `operation-failed` alert of `database`, from a real failure: the simulator fails the
 * database's next OpsRequest, so the restart asked for here fails (terminally) and the evaluator
 * fires. Waits for the database to be idle first.
 */
export async function failedOperationAlert(
  t: TestEngine,
  cluster: SimCluster,
  database: Pick<Database, 'id' | 'name' | 'namespace'>,
): Promise<string> {
  await waitFor(
    async () => {
      const d = await t.engine.services.databases.get(database.id);
      return d.status === 'RUNNING' && !d.activeOperationId;
    },
    `${database.name} to be idle`,
    30_000,
  );
  cluster.faults.failNextOpsRequest(database.namespace, database.name, 'SimulatedFailure');
  await t.engine.services.databaseChanges.act(database.id, 'restart');
  const alert = await waitFor(
    async () =>
      (await t.engine.services.alerts.list({ databaseId: database.id, state: 'firing' })).items[0],
    `an operation-failed alert of ${database.name}`,
    30_000,
  );
  return alert.id;
}

/** A webhook channel to a port nothing listens on (its test answers not reached). */
export async function unreachableChannel(t: TestEngine, name: string): Promise<string> {
  const channel = await t.engine.services.notifications.channels.create({
    name,
    type: 'webhook',
    url: 'http://127.0.0.1:9/hook',
    secret: `${name}-webhook-secret-0123`,
  });
  return channel.id;
}

/** An alert of `database` and a channel, by the resource name of their routes (`alerts/:id`, ...). */
export async function alertResources(
  t: TestEngine,
  cluster: SimCluster,
  database: Pick<Database, 'id' | 'name' | 'namespace'>,
): Promise<Record<string, string>> {
  return {
    alerts: await failedOperationAlert(t, cluster, database),
    'notification-channels': await unreachableChannel(t, `${database.name}-hook`),
  };
}
