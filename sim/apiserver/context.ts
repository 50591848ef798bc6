/**
 * What every request handler is given: the parsed request and the server's collaborators.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataPlane } from '../core/data-plane';
import type { SimClusterState } from './cluster-state';
import type { FaultController } from './faults';
import type { RequestInfo } from './request-info';
import type { ResourceRegistry, ResourceType } from './resource-types';
import type { WatchHub } from './watch-hub';

/** An open watch stream, so faults and close() can end it. */
export interface OpenWatch {
  end(): void;
}

/** The server's collaborators. */
export interface ServerDeps {
  state: SimClusterState;
  registry: ResourceRegistry;
  hub: WatchHub;
  faults: FaultController;
  watches: Set<OpenWatch>;
  seed: number;
  bookmarkIntervalMs: number;
  /** Real database processes behind some pods; absent when every pod is simulated. */
  dataPlane?: DataPlane;
}

/** One resource request. */
export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  type: ResourceType;
  query: URLSearchParams;
  accept: string;
  deps: ServerDeps;
}

/** The `as=` part of the Accept header: Table, PartialObjectMetadata(List) or plain. */
export function acceptAs(
  accept: string,
): 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | undefined {
  // Clients list what they accept in order of preference; honour the first media type we serve.
  for (const media of accept.split(',')) {
    const params = media.split(';').map((p) => p.trim());
    if (!params[0]?.startsWith('application/json') && params[0] !== '*/*') continue;
    const as = params.find((p) => p.startsWith('as='))?.slice(3);
    const g = params.find((p) => p.startsWith('g='))?.slice(2);
    if (!as) return undefined;
    if (
      g === 'meta.k8s.io' &&
      (as === 'Table' || as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList')
    )
      return as;
  }
  return undefined;
}
