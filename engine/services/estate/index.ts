/**
 * The backup estate: every KubeStash BackupStorage, BackupConfiguration, Repository and Snapshot on
 * every cluster (also the ones the engine did not create), with the database each protects, the
 * orphans (a snapshot whose database is gone, a repository no configuration writes to) and the
 * unprotected databases (no configuration, no succeeded backup, or one older than the schedule
 * allows). An orphan is removed with `POST /backup-estate/cleanup`.
 */
import { z } from 'zod';
import { EngineError } from '../../base/errors';
import type { Database } from '../../domain';
import type { ClusterClient } from '../../kube';
import { KUBESTASH_CORE_API, KUBESTASH_STORAGE_API, REPO_NAME_LABEL } from '../../kubedb/restore';
import {
  DATABASE_ID_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type KubeObject,
} from '../../kubedb/types';
import type { Grant } from '../auth/access';
import type { ServiceContext } from '../context';
import type { ProviderService } from '../providers';
import { parseInput } from '../validation';
import { rec, str, unprotectedDatabases, type UnprotectedDatabase } from './protection';

type Kind = 'BackupStorage' | 'BackupConfiguration' | 'Repository' | 'Snapshot';
const KINDS: { kind: Kind; apiVersion: string }[] = [
  { kind: 'BackupStorage', apiVersion: KUBESTASH_STORAGE_API },
  { kind: 'BackupConfiguration', apiVersion: KUBESTASH_CORE_API },
  { kind: 'Repository', apiVersion: KUBESTASH_STORAGE_API },
  { kind: 'Snapshot', apiVersion: KUBESTASH_STORAGE_API },
];

export interface EstateItem {
  providerId: string;
  namespace: string;
  kind: Kind;
  name: string;
  databaseId?: string;
  managed: boolean;
  orphan?: string;
}

/** A cluster whose KubeStash objects could not be listed: its part of the estate is unknown. */
export interface UnreadableCluster {
  providerId: string;
  reason: string;
}

export interface Estate {
  items: EstateItem[];
  unprotected: UnprotectedDatabase[];
  unreadable: UnreadableCluster[];
}

export const CleanupBodySchema = z.object({
  providerId: z.string({ error: 'providerId must be a string' }).min(1).max(63),
  namespace: z.string({ error: 'namespace must be a string' }).min(1).max(63),
  kind: z.enum(['Snapshot', 'Repository'], { error: 'kind must be Snapshot or Repository' }),
  name: z.string({ error: 'name must be a string' }).min(1).max(253),
});

export class EstateService {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
  ) {}

  async estate(providerId?: string, grant?: Grant): Promise<Estate> {
    const { store } = this.context;
    const providers = (await store.providers.list()).items.filter(
      (p) => !providerId || p.id === providerId,
    );
    const databases = (await store.databases.list({}, { limit: 1000 })).items.filter(
      (d) => d.status !== 'DELETED' && (!grant || grant.canAct(d.domain, d.project)),
    );
    const items: EstateItem[] = [];
    const unprotected: Estate['unprotected'] = [];
    const unreadable: UnreadableCluster[] = [];
    for (const provider of providers) {
      // A cluster that cannot be listed is reported as such: none of its databases is called
      // unprotected (nor protected) on the strength of a list that was never read.
      let objects: Map<Kind, KubeObject[]>;
      try {
        objects = await this.objects(await this.providers.clientFor(provider));
      } catch (error) {
        unreadable.push({
          providerId: provider.id,
          reason: unreadableReason(provider.name, error),
        });
        continue;
      }
      const here = databases.filter((d) => d.providerId === provider.id);
      items.push(...this.classify(provider.id, objects, here, databases));
      unprotected.push(
        ...unprotectedDatabases(
          objects.get('BackupConfiguration') ?? [],
          objects.get('Snapshot') ?? [],
          here,
          this.context.now().getTime(),
        ),
      );
    }
    // A caller without a global binding sees only what belongs to the databases it can see: objects
    // of other tenants' databases, and objects of no known database, are not theirs to know about.
    if (grant && grant.visibleScopes() !== undefined) {
      const visible = new Set(databases.map((d) => d.id));
      const clusters = new Set(databases.map((d) => d.providerId));
      return {
        items: items.filter((i) => i.databaseId !== undefined && visible.has(i.databaseId)),
        unprotected: unprotected.filter((u) => visible.has(u.databaseId)),
        unreadable: unreadable.filter((u) => clusters.has(u.providerId)),
      };
    }
    return { items, unprotected, unreadable };
  }

  /** Deletes an orphan Snapshot or Repository, after checking it still is one. */
  async cleanup(input: unknown, options: { dryRun?: boolean; grant?: Grant } = {}) {
    const body = parseInput(CleanupBodySchema, input);
    const estate = await this.estate(body.providerId, options.grant);
    const item = estate.items.find(
      (i) => i.namespace === body.namespace && i.kind === body.kind && i.name === body.name,
    );
    if (!item)
      throw new EngineError(
        'NOT_FOUND',
        `${body.kind} ${body.namespace}/${body.name} was not found`,
      );
    if (!item.orphan) {
      const message = `${body.kind} ${body.namespace}/${body.name} is not an orphan`;
      throw new EngineError('CONFLICT', message, {
        details: [{ path: 'name', rule: 'orphan', message }],
      });
    }
    if (!options.dryRun) {
      const client = await this.providers.clientFor(
        await this.context.store.providers.get(body.providerId),
      );
      await client.delete(KUBESTASH_STORAGE_API, body.kind, body.namespace, body.name);
    }
    return { deleted: item, dryRun: options.dryRun === true };
  }

  /**
   * Lists the four kinds. A kind the cluster does not serve (404: KubeStash, or that CRD, is not
   * installed) has no objects; any other failure throws, and the cluster is unreadable.
   */
  private async objects(client: ClusterClient): Promise<Map<Kind, KubeObject[]>> {
    const map = new Map<Kind, KubeObject[]>();
    for (const { kind, apiVersion } of KINDS) {
      const page = await client.listAll(apiVersion, kind).catch((error: unknown) => {
        if (error instanceof EngineError && error.code === 'NOT_FOUND')
          return { items: [] as KubeObject[] };
        throw error;
      });
      map.set(kind, page.items);
    }
    return map;
  }

  private classify(
    providerId: string,
    objects: Map<Kind, KubeObject[]>,
    databases: Database[],
    everywhere: Database[],
  ): EstateItem[] {
    const byId = new Map(databases.map((d) => [d.id, d]));
    const byName = new Map(databases.map((d) => [`${d.namespace}/${d.name}`, d]));
    // A repository or snapshot synced here from a storage another cluster backs up to (for a
    // restore into this cluster) belongs to a database on that cluster: it is no orphan, and
    // cleaning it up would delete that database's backups.
    const elsewhereById = new Map(
      everywhere.filter((d) => d.providerId !== providerId).map((d) => [d.id, d]),
    );
    const elsewhereByName = new Map(
      everywhere
        .filter((d) => d.providerId !== providerId)
        .map((d) => [`${d.namespace}/${d.name}`, d]),
    );
    const configurations = objects.get('BackupConfiguration') ?? [];
    const written = new Set(
      configurations.flatMap((bc) =>
        (Array.isArray(rec(bc.spec).sessions) ? (rec(bc.spec).sessions as unknown[]) : [])
          .flatMap((s) =>
            Array.isArray(rec(s).repositories) ? (rec(s).repositories as unknown[]) : [],
          )
          .map((r) => `${bc.metadata.namespace}/${str(rec(r).name)}`),
      ),
    );
    const repoApp = new Map(
      (objects.get('Repository') ?? []).map((r) => [
        `${r.metadata.namespace}/${r.metadata.name}`,
        rec(rec(r.spec).appRef),
      ]),
    );
    const items: EstateItem[] = [];
    for (const { kind } of KINDS) {
      for (const object of objects.get(kind) ?? []) {
        const namespace = object.metadata.namespace ?? '';
        const labels = object.metadata.labels ?? {};
        const spec = rec(object.spec);
        const app =
          kind === 'BackupConfiguration'
            ? rec(spec.target)
            : kind === 'Snapshot'
              ? Object.keys(rec(spec.appRef)).length > 0
                ? rec(spec.appRef)
                : (repoApp.get(`${namespace}/${str(labels[REPO_NAME_LABEL] ?? spec.repository)}`) ??
                  {})
              : rec(spec.appRef);
        const appKey = str(app.name) ? `${str(app.namespace) || namespace}/${str(app.name)}` : '';
        const labelled = labels[DATABASE_ID_LABEL];
        const database =
          (labelled ? byId.get(labelled) : undefined) ?? (appKey ? byName.get(appKey) : undefined);
        const elsewhere = database
          ? undefined
          : ((labelled ? elsewhereById.get(labelled) : undefined) ??
            (appKey ? elsewhereByName.get(appKey) : undefined));
        let orphan: string | undefined;
        if (kind === 'Snapshot' && !database && !elsewhere && (labelled || appKey))
          orphan = `its database ${appKey || labelled} is gone`;
        if (
          kind === 'Repository' &&
          !elsewhere &&
          !written.has(`${namespace}/${object.metadata.name}`)
        )
          orphan = 'no BackupConfiguration writes to it';
        items.push({
          providerId,
          namespace,
          kind,
          name: object.metadata.name,
          ...((database ?? elsewhere)
            ? { databaseId: (database ?? elsewhere)!.id }
            : labelled
              ? { databaseId: labelled }
              : {}),
          managed: labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE || !!labelled,
          ...(orphan ? { orphan } : {}),
        });
      }
    }
    return items;
  }
}

/** Why a cluster's estate could not be read, in words that are safe to show (no secrets). */
function unreadableReason(clusterName: string, error: unknown): string {
  if (error instanceof EngineError) return error.message;
  return `cluster ${clusterName} could not be read`;
}
