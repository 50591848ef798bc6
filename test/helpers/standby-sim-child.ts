/**
 * A simulator process for the SIGKILL test of real standbys: a `dataPlane: 'real'` cluster (its
 * data under SB_DIR) with a two-replica Postgres. Prints one JSON line with the instances' pids
 * and ports once the standby streams, then runs until it is killed.
 */
import { startSimCluster } from '../../sim/index';
import { waitFor } from '../../sim/operator/test-support';
import { databaseManifest } from '../../sim/dataplane/test-support';

const cluster = await startSimCluster({
  speed: 20,
  dataPlane: 'real',
  dataPlaneDir: process.env.SB_DIR ?? '',
});
cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'killed' } });
cluster.state.create(databaseManifest('Postgres', 'killed', 'pg', { replicas: 2 }));
const instances = await waitFor(
  () => {
    const all = cluster.dataPlane?.list() ?? [];
    return all.length === 2 && all.every((i) => i.state === 'running') ? all : undefined;
  },
  'a running primary and standby',
  120_000,
  50,
);
process.stdout.write(`${JSON.stringify(instances.map((i) => ({ pid: i.pid, port: i.port })))}\n`);
setInterval(() => undefined, 60_000);
