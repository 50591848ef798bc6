/**
 * `pods/log` and `pods/exec` (and `attach`). Logs are text made up for the simulated container
 * (a later piece of work serves real process logs); exec and attach answer a request that is not
 * a protocol upgrade with the real API server's 400 "Upgrade request required", and an upgrade
 * with 501, since no shell runs behind a pod. `pods/portforward` is served by `portforward.ts`.
 */
import type { ServerResponse } from 'node:http';
import { SimApiError, type KubeObject } from '../core/contract';
import type { ResourceType } from './resource-types';
import type { StateCore } from './state-core';

/** Whether the path is a pod subresource handled here. */
export function isPodStreamSubresource(type: ResourceType, subresource?: string): boolean {
  return (
    type.group === '' &&
    type.plural === 'pods' &&
    (subresource === 'log' || subresource === 'exec' || subresource === 'attach')
  );
}

function containerNames(pod: KubeObject): string[] {
  const spec = (pod.spec ?? {}) as { containers?: { name?: string }[] };
  return (spec.containers ?? []).map((c) => String(c.name ?? ''));
}

/** Answers GET pods/log or pods/exec|attach for a pod of `state`. */
export function handlePodStream(
  res: ServerResponse,
  state: StateCore,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  subresource: string,
  query: URLSearchParams,
  upgrade: boolean,
): void {
  const pod = JSON.parse(state.mustGet(type, namespace, name).json) as KubeObject;
  const names = containerNames(pod);
  let container = query.get('container') ?? undefined;
  if (container === undefined && names.length === 1) container = names[0];
  if (container === undefined)
    throw new SimApiError(
      400,
      'BadRequest',
      `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
    );
  if (!names.includes(container))
    throw new SimApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
  if (subresource !== 'log') {
    if (!upgrade) throw new SimApiError(400, 'BadRequest', 'Upgrade request required');
    throw new SimApiError(501, 'NotImplemented', `${subresource} is not simulated`);
  }
  const started = String(pod.metadata.creationTimestamp ?? new Date().toISOString());
  const lines = [
    `${started} simulated container ${container} of pod ${namespace ?? ''}/${name} started`,
    `${started} ${container}: ready to accept connections`,
  ];
  const tail = Number(query.get('tailLines') ?? NaN);
  const shown = Number.isInteger(tail) && tail >= 0 ? lines.slice(lines.length - tail) : lines;
  const withTimes = query.get('timestamps') === 'true';
  const body = shown.map((l) => (withTimes ? l : l.slice(l.indexOf(' ') + 1))).join('\n');
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(body.length > 0 ? `${body}\n` : '');
}
