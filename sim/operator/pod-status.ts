/**
 * Pod statuses as the kubelet reports them: starting (PodInitializing), running and ready, not
 * ready (its database is down) or CrashLoopBackOff (a crashed main container).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../core/contract';
import { asNumber, asRecord, getPath, nowIso, text } from './util';

/** A stable pseudo IP for a seed. */
export function ipFor(seed: string, prefix: string): string {
  const h = createHash('md5').update(seed).digest();
  return `${prefix}.${(h[0] as number) % 250}.${((h[1] as number) % 250) + 2}`;
}

/** Names and images of a pod's containers or init containers. */
export function containerNames(
  pod: KubeObject,
  field: 'containers' | 'initContainers',
): { name: string; image: string }[] {
  const list = getPath(pod, ['spec', field]);
  return Array.isArray(list)
    ? list.map((c) => ({
        name: String(asRecord(c).name),
        image: text(asRecord(c).image),
      }))
    : [];
}

/** The status of a pod whose containers are still starting. */
export function startingStatus(pod: KubeObject): Record<string, unknown> {
  const now = nowIso();
  return {
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      {
        type: 'Initialized',
        status: 'False',
        lastTransitionTime: now,
        reason: 'ContainersNotInitialized',
      },
      {
        type: 'ContainersReady',
        status: 'False',
        lastTransitionTime: now,
        reason: 'ContainersNotReady',
      },
      { type: 'Ready', status: 'False', lastTransitionTime: now, reason: 'ContainersNotReady' },
    ],
    hostIP: ipFor(String(getPath(pod, ['spec', 'nodeName'])), '172.18'),
    startTime: now,
    qosClass: 'Burstable',
    containerStatuses: containerNames(pod, 'containers').map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'PodInitializing' } },
    })),
  };
}

/** What the real data plane says about a pod (see real-pods.ts). */
export interface RealPodState {
  mode: 'real' | 'simulated';
  ready?: boolean;
  message?: string;
  /** The real process gave up restarting (shown as CrashLoopBackOff). */
  failed?: string;
  info?: { restarts?: number };
}

/**
 * The status a started pod has now, given whether it crashed or its database is down, and, on a
 * cluster with a real data plane, whether its real process answers (`real`).
 */
export function runningStatus(
  pod: KubeObject,
  faultCrashed: boolean,
  down: boolean,
  real?: RealPodState,
): Record<string, unknown> {
  const previous = asRecord(pod.status);
  const crashed = faultCrashed || real?.failed !== undefined;
  const ready = !crashed && !down && (real?.mode !== 'real' || real.ready === true);
  const flag = ready ? 'True' : 'False';
  const keep = (type: string, status: string): string => {
    const old = (Array.isArray(previous.conditions) ? previous.conditions : [])
      .map(asRecord)
      .find((c) => c.type === type);
    return old && old.status === status ? String(old.lastTransitionTime) : nowIso();
  };
  const oldStatuses = (
    Array.isArray(previous.containerStatuses) ? previous.containerStatuses : []
  ).map(asRecord);
  const containers = containerNames(pod, 'containers');
  const realRestarts = real?.info?.restarts;
  return {
    phase: 'Running',
    ...(real?.message ? { message: real.message } : {}),
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: keep('PodScheduled', 'True') },
      { type: 'Initialized', status: 'True', lastTransitionTime: keep('Initialized', 'True') },
      {
        type: 'ContainersReady',
        status: flag,
        lastTransitionTime: keep('ContainersReady', flag),
        ...(ready ? {} : { reason: 'ContainersNotReady' }),
      },
      {
        type: 'Ready',
        status: flag,
        lastTransitionTime: keep('Ready', flag),
        ...(ready ? {} : { reason: 'ContainersNotReady' }),
      },
    ],
    hostIP: previous.hostIP,
    podIP: ipFor(pod.metadata.uid ?? '', '10.244'),
    podIPs: [{ ip: ipFor(pod.metadata.uid ?? '', '10.244') }],
    startTime: previous.startTime,
    qosClass: 'Burstable',
    initContainerStatuses: containerNames(pod, 'initContainers').map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: true,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    })),
    containerStatuses: containers.map((c, index) => {
      const old = oldStatuses.find((s) => s.name === c.name);
      const restarts =
        index === 0 && realRestarts !== undefined ? realRestarts : asNumber(old?.restartCount, 0);
      const mainCrashed = crashed && index === 0;
      const wasCrashed = asRecord(asRecord(old?.state).waiting).reason === 'CrashLoopBackOff';
      if (mainCrashed) {
        return {
          name: c.name,
          image: c.image,
          imageID: '',
          ready: false,
          started: false,
          restartCount: wasCrashed || realRestarts !== undefined ? restarts : restarts + 1,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: real?.failed
                ? `back-off restarting failed container ${c.name}: ${real.failed}`
                : `back-off restarting failed container ${c.name}`,
            },
          },
          lastState: { terminated: { exitCode: 1, reason: 'Error' } },
        };
      }
      const startedAt = asRecord(asRecord(old?.state).running).startedAt ?? nowIso();
      return {
        name: c.name,
        image: c.image,
        imageID: '',
        ready,
        started: true,
        restartCount: restarts,
        state: { running: { startedAt } },
      };
    }),
  };
}
