import type { KubeObject } from '../kubedb/types';
import type { ConnectionGuard } from './address-guard';
import { KubeHttp } from './http';
import { toKubeConfig } from './kubeconfig';
import { resourceOf, resourcePath } from './resources';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  signal?: AbortSignal;
}

export interface ListPage {
  items: KubeObject[];
  resourceVersion: string;
  continue: string | null;
}

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** The field manager of everything the engine applies. */
export const FIELD_MANAGER = 'kubedb-dbaas';
const PAGE_SIZE = 500;

/**
 * Access to one cluster: get, paged list, server-side apply, delete. Every call is bounded by a
 * timeout and can be aborted; errors are EngineErrors that name the cluster, never its credentials.
 */
export class ClusterClient {
  readonly http: KubeHttp;

  /**
   * `kubeconfigYaml` is a canonical document (from `importKubeconfig`): it is parsed by the guard's
   * own parser, never by client-node's `loadFromString`, so no file named in it is ever read. With a
   * `guard`, every connection's address is checked when the socket opens (DNS rebinding).
   */
  constructor(
    kubeconfigYaml: string,
    readonly label: string,
    guard?: ConnectionGuard,
  ) {
    this.http = new KubeHttp(toKubeConfig(kubeconfigYaml), label, guard);
  }

  get server(): string {
    return this.http.serverUrl;
  }

  async version(
    signal?: AbortSignal,
  ): Promise<{ gitVersion?: string; major?: string; minor?: string }> {
    const response = await this.http.request({
      method: 'GET',
      path: '/version',
      signal,
      timeoutMs: 5_000,
    });
    return response.body ?? {};
  }

  /** The resources of one group version, or null when the group is not served. */
  async discover(
    group: string,
    version: string,
    signal?: AbortSignal,
  ): Promise<{ kind: string; name: string }[] | null> {
    const response = await this.http.request({
      method: 'GET',
      path: `/apis/${group}/${version}`,
      signal,
      timeoutMs: 5_000,
    });
    if (response.status === 404) return null;
    return (
      (response.body as { resources?: { kind: string; name: string }[] }).resources ?? []
    ).filter((resource) => !resource.name.includes('/'));
  }

  async get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    signal?: AbortSignal,
  ): Promise<KubeObject | null> {
    const path = resourcePath(resourceOf(apiVersion, kind), namespace, name);
    const response = await this.http.request({ method: 'GET', path, signal });
    return response.status === 404 ? null : (response.body as KubeObject);
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<ListPage> {
    const path = resourcePath(resourceOf(apiVersion, kind), options.namespace);
    const response = await this.http.request({
      method: 'GET',
      path,
      signal: options.signal,
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit ?? PAGE_SIZE,
        continue: options.continue,
      },
    });
    if (response.status === 404) return { items: [], resourceVersion: '', continue: null };
    const body = response.body as {
      items?: KubeObject[];
      metadata?: { resourceVersion?: string; continue?: string };
    };
    return {
      items: body.items ?? [],
      resourceVersion: body.metadata?.resourceVersion ?? '',
      continue: body.metadata?.continue || null,
    };
  }

  /** Every object of a kind, fetched in pages of 500 so that no answer is huge. */
  async listAll(
    apiVersion: string,
    kind: string,
    options: Omit<ListOptions, 'limit' | 'continue'> = {},
  ): Promise<ListPage> {
    const items: KubeObject[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    for (let page = 0; page < 10_000; page++) {
      const result = await this.list(apiVersion, kind, {
        ...options,
        limit: PAGE_SIZE,
        continue: token,
      });
      items.push(...result.items);
      resourceVersion = result.resourceVersion;
      if (!result.continue) break;
      token = result.continue;
    }
    return { items, resourceVersion, continue: null };
  }

  /** Server-side apply: creates or updates the fields this manager owns; idempotent. */
  async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const path = resourcePath(
      resourceOf(object.apiVersion, object.kind),
      object.metadata.namespace,
      object.metadata.name,
    );
    const response = await this.http.request({
      method: 'PATCH',
      path,
      body: object,
      contentType: 'application/apply-patch+yaml',
      signal: options.signal,
      query: {
        fieldManager: options.fieldManager,
        force: options.force ? 'true' : undefined,
        dryRun: options.dryRun ? 'All' : undefined,
      },
    });
    if (response.status === 404) {
      throw new Error(`cluster ${this.label} does not serve ${object.apiVersion} ${object.kind}`);
    }
    return response.body as KubeObject;
  }

  /** Deletes an object; false when it was already gone. */
  async delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    options: {
      propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
      signal?: AbortSignal;
    } = {},
  ): Promise<boolean> {
    const path = resourcePath(resourceOf(apiVersion, kind), namespace, name);
    const response = await this.http.request({
      method: 'DELETE',
      path,
      signal: options.signal,
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: options.propagationPolicy ?? 'Background',
      },
    });
    return response.status !== 404;
  }
}
