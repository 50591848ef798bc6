import { EngineError } from '../base/errors';
import { ENGINE_KINDS, ENGINE_PORTS, type Database, type DriftEntry, type Engine } from '../domain';
import { buildDatabaseManifest } from '../kubedb/manifests';
import { computeAllDrift } from '../kubedb/drift';
import { carryDriftRecords } from '../kubedb/live';
import { endpointFor } from '../kubedb/status';
import { KUBEDB_API_VERSION, type KubeObject } from '../kubedb/types';
import type { Grant } from './auth/access';
import { isoNow, type ServiceContext } from './context';
import { specOf } from './databases';
import type { ProviderService } from './providers';

/** `GET /databases/:id/manifest`. */
export interface ManifestView {
  desired: KubeObject;
  live: KubeObject | null;
  drift: DriftEntry[];
}

/** `GET /databases/:id/credentials`: read from the cluster's auth secret, never stored. */
export interface Credentials {
  username: string;
  password: string;
  host: string;
  port: number;
  connectionString: string;
}

/** Fields the API server adds that are not part of what we asked for. */
function withoutServerFields(object: KubeObject): KubeObject {
  const { managedFields: _managed, ...metadata } = object.metadata as KubeObject['metadata'] & {
    managedFields?: unknown;
  };
  return { ...object, metadata };
}

/** Reads about a database that need its cluster: the live manifest with drift, and credentials. */
export class DatabaseReads {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
  ) {}

  async manifest(id: string, grant?: Grant): Promise<ManifestView> {
    const database = await this.live(id, grant);
    const spec = specOf(database);
    const desired = buildDatabaseManifest(spec);
    const client = await this.providers.clientFor(
      await this.context.store.providers.get(database.providerId),
    );
    const live = await client.get(
      KUBEDB_API_VERSION,
      ENGINE_KINDS[database.engine],
      database.namespace,
      database.name,
    );
    // With what is known of each difference (first seen, a refusal) from the status sync's record.
    const drift = live
      ? carryDriftRecords(database.drift, computeAllDrift(spec, live), isoNow(this.context))
      : [];
    return { desired, live: live ? withoutServerFields(live) : null, drift };
  }

  /** With a grant: 404 outside the caller's bindings, 403 without an operator binding. */
  async credentials(id: string, grant?: Grant): Promise<Credentials> {
    const database = await this.live(id, grant);
    const client = await this.providers.clientFor(
      await this.context.store.providers.get(database.providerId),
    );
    const live = await client.get(
      KUBEDB_API_VERSION,
      ENGINE_KINDS[database.engine],
      database.namespace,
      database.name,
    );
    const secretName =
      (live?.spec as { authSecret?: { name?: string } } | undefined)?.authSecret?.name ??
      `${database.name}-auth`;
    const secret = await client.get('v1', 'Secret', database.namespace, secretName);
    const data = (secret?.data ?? {}) as Record<string, string>;
    if (!secret || !data.password) {
      throw new EngineError(
        'NOT_FOUND',
        `the credentials of ${database.name} are not ready yet (no ${secretName} secret)`,
      );
    }
    const username = decode(data.username) || defaultUser(database.engine);
    const password = decode(data.password);
    const { host, port } = database.endpoint ?? endpointFor(database);
    return {
      username,
      password,
      host,
      port,
      connectionString: connectionString(database, username, password, host, port),
    };
  }

  private async live(id: string, grant?: Grant): Promise<Database> {
    const database = await this.context.store.databases.get(id);
    if (database.status === 'DELETED')
      throw new EngineError('NOT_FOUND', `database ${id} was not found`);
    grant?.assertAllowed('database', id, database.domain, database.project);
    return database;
  }
}

function decode(value: string | undefined): string {
  return value ? Buffer.from(value, 'base64').toString('utf8') : '';
}

function defaultUser(engine: Engine): string {
  return {
    postgres: 'postgres',
    mysql: 'root',
    mariadb: 'root',
    mongodb: 'root',
    redis: 'default',
    elasticsearch: 'elastic',
  }[engine];
}

/** A client URL per engine, with the credentials percent-encoded. */
export function connectionString(
  database: Pick<Database, 'engine' | 'mode'>,
  username: string,
  password: string,
  host: string,
  port: number = ENGINE_PORTS[database.engine],
): string {
  const user = encodeURIComponent(username);
  const pass = encodeURIComponent(password);
  switch (database.engine) {
    case 'postgres':
      return `postgresql://${user}:${pass}@${host}:${port}/postgres`;
    case 'mysql':
    case 'mariadb':
      return `mysql://${user}:${pass}@${host}:${port}/`;
    case 'mongodb':
      return `mongodb://${user}:${pass}@${host}:${port}/?authSource=admin${database.mode === 'replicaset' ? '&replicaSet=rs0' : ''}`;
    case 'redis':
      return `redis://${user}:${pass}@${host}:${port}`;
    case 'elasticsearch':
      return `https://${user}:${pass}@${host}:${port}`;
  }
}
