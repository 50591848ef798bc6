import { ENGINE_KINDS, type DatabaseMode, type Engine } from '../domain';
import { compareSemVer, parseSemVer, satisfies } from './semver';
import type { KubeObject } from './types';

/** One catalog version as the API lists it (`GET /versions`). `version` is the catalog object name. */
export interface CatalogVersion {
  engine: Engine;
  /** The catalog object name — what `spec.version` and `updateVersion.targetVersion` take. */
  version: string;
  /** The upstream version the object packages (`spec.version`). */
  upstreamVersion: string;
  distribution: string | null;
  deprecated: boolean;
  endOfLife: boolean;
  /** Catalog names this version may update to (same distribution, not deprecated). */
  upgradeTargets: string[];
}

const KIND_TO_ENGINE = new Map<string, Engine>(
  (Object.entries(ENGINE_KINDS) as [Engine, string][]).map(([engine, kind]) => [
    `${kind}Version`,
    engine,
  ]),
);

/** The catalog kind of an engine (`PostgresVersion`, ...). */
export function catalogKind(engine: Engine): string {
  return `${ENGINE_KINDS[engine]}Version`;
}

interface Constraints {
  allowlist: string[];
  denylist: string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/**
 * The update constraints of a catalog object. MySQLVersion keys its lists by topology; the webhook
 * reads `groupReplication` for every MySQL database, so that is what we read too (REFERENCE 7.4).
 */
function constraintsOf(object: KubeObject): Constraints {
  const raw = (
    object.spec as { updateConstraints?: { allowlist?: unknown; denylist?: unknown } } | undefined
  )?.updateConstraints;
  const pick = (list: unknown): string[] =>
    Array.isArray(list)
      ? strings(list)
      : strings((list as { groupReplication?: unknown } | undefined)?.groupReplication);
  return { allowlist: pick(raw?.allowlist), denylist: pick(raw?.denylist) };
}

/**
 * True when `candidate` (a catalog object) is an allowed update target of `current` (REFERENCE 7.3):
 * its `spec.version` satisfies any allowlist constraint (an empty allowlist allows all) and no
 * denylist constraint. An unreadable constraint allows nothing, erring on the safe side.
 */
export function isAllowedUpdate(current: KubeObject, candidate: KubeObject): boolean {
  const raw = (candidate.spec as { version?: unknown } | undefined)?.version;
  const version = typeof raw === 'string' ? raw : '';
  if (!parseSemVer(version)) return false;
  const { allowlist, denylist } = constraintsOf(current);
  try {
    const allowed =
      allowlist.length === 0 || allowlist.some((constraint) => satisfies(version, constraint));
    return allowed && !denylist.some((constraint) => satisfies(version, constraint));
  } catch {
    return false;
  }
}

interface CatalogSpec {
  version?: string;
  distribution?: string;
  deprecated?: boolean;
  endOfLife?: boolean;
}

/**
 * Maps catalog.kubedb.com objects (any mix of kinds) to the API's version list. Upgrade targets
 * are computed per REFERENCE 7 and then filtered as the console should (not deprecated, same
 * distribution, not the object itself), sorted by upstream version. Objects of other kinds are ignored.
 */
export function toCatalogVersions(objects: readonly KubeObject[]): CatalogVersion[] {
  const known = objects.filter((object) => KIND_TO_ENGINE.has(object.kind));
  const specOf = (object: KubeObject) => (object.spec ?? {}) as CatalogSpec;
  const byUpstream = (a: KubeObject, b: KubeObject) => {
    const left = specOf(a).version ?? '';
    const right = specOf(b).version ?? '';
    if (parseSemVer(left) && parseSemVer(right)) {
      const order = compareSemVer(left, right);
      if (order !== 0) return order;
    }
    return a.metadata.name.localeCompare(b.metadata.name);
  };
  return [...known].sort(byUpstream).map((object) => {
    const engine = KIND_TO_ENGINE.get(object.kind) as Engine;
    const spec = specOf(object);
    const upgradeTargets = known
      .filter(
        (candidate) =>
          candidate.kind === object.kind &&
          candidate.metadata.name !== object.metadata.name &&
          !specOf(candidate).deprecated &&
          (specOf(candidate).distribution ?? null) === (spec.distribution ?? null) &&
          isAllowedUpdate(object, candidate),
      )
      .map((candidate) => candidate.metadata.name);
    return {
      engine,
      version: object.metadata.name,
      upstreamVersion: spec.version ?? '',
      distribution: spec.distribution ?? null,
      deprecated: spec.deprecated === true,
      endOfLife: spec.endOfLife === true,
      upgradeTargets,
    };
  });
}

/**
 * Why a catalog version cannot be used for a new database in `mode`, or null when it can: it must
 * exist and not be deprecated (the webhook refuses those), and MySQL InnoDB cluster needs an
 * `*-innodb` version (REFERENCE 3.2).
 */
export function checkVersionForCreate(
  versions: readonly CatalogVersion[],
  engine: Engine,
  mode: DatabaseMode,
  name: string,
): string | null {
  const entry = versions.find((version) => version.engine === engine && version.version === name);
  if (!entry) return `version ${name} is not in the ${engine} catalog of this cluster`;
  if (entry.deprecated)
    return `version ${name} of ${engine} is deprecated and cannot be used for a new database`;
  if (engine === 'mysql' && mode === 'innodb-cluster' && !name.endsWith('-innodb')) {
    return `mysql innodb-cluster needs an "-innodb" catalog version, not ${name}`;
  }
  return null;
}
