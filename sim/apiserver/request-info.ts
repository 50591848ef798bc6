/**
 * Parses a resource URL the way the API server's RequestInfoFactory does:
 * `/api/v1/namespaces/ns/pods/name/status`, `/apis/g/v/plural`, legacy `/watch/` prefixes.
 */

/** The parts of a resource request. */
export interface RequestInfo {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
  /** The legacy `/watch/` path form was used. */
  watchPath: boolean;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Parses the path; undefined when it is not a resource path (discovery and others). */
export function parseResourcePath(path: string): RequestInfo | undefined {
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] as string)) rest = rest.slice(2);
    else {
      // "/namespaces/x" and "/namespaces/x/status" address the namespace object itself.
      return {
        group,
        version,
        plural: 'namespaces',
        name: namespace,
        ...(rest[2] ? { subresource: rest[2] } : {}),
        watchPath,
      };
    }
  }
  const [plural, name, subresource] = rest;
  if (!plural || rest.length > 3) return undefined;
  return {
    group,
    version,
    plural,
    watchPath,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}
