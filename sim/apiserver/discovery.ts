/**
 * Discovery documents in the legacy forms (APIVersions, APIGroupList, APIGroup, APIResourceList).
 * Aggregated discovery (apidiscovery.k8s.io/v2) is not offered: the legacy form is answered with
 * `Content-Type: application/json`, which kubectl and client-go accept as "not aggregated" and then
 * walk the per-group documents.
 */
import { toApiVersion, type ResourceRegistry, type ResourceType } from './resource-types';

/** `/version`. */
export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.4-sim',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.8',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** `/api`. */
export function coreVersions(): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  };
}

function groupDoc(name: string, versions: string[]): unknown {
  const gv = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: gv, preferredVersion: gv[0] };
}

/** `/apis`. */
export function groupList(registry: ResourceRegistry): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().map((g) => groupDoc(g.name, g.versions)),
  };
}

/** `/apis/<group>`, or undefined for an unknown group. */
export function groupInfo(registry: ResourceRegistry, group: string): unknown {
  const g = registry.groups().find((x) => x.name === group);
  return g
    ? { kind: 'APIGroup', apiVersion: 'v1', ...(groupDoc(g.name, g.versions) as object) }
    : undefined;
}

function resourceDocs(t: ResourceType): unknown[] {
  const main = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs,
    ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length ? { categories: t.categories } : {}),
    storageVersionHash: Buffer.from(`${t.group}/${t.plural}`).toString('base64').slice(0, 11),
  };
  const out: unknown[] = [main];
  if (t.statusSubresource) {
    out.push({
      name: `${t.plural}/status`,
      singularName: '',
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  return out;
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined when nothing is served there. */
export function resourceList(registry: ResourceRegistry, group: string, version: string): unknown {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: toApiVersion(group, version),
    resources: types.sort((a, b) => a.plural.localeCompare(b.plural)).flatMap(resourceDocs),
  };
}
