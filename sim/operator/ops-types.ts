/**
 * What each OpsRequest type does, per engine, as a sequence of named steps (each step leaves a
 * condition of its name, as the ops-manager's do). The change lands on the database spec, the
 * PetSets, the pods and the PVCs.
 */
import type { Resources } from './engines';
import type { EventRecorder } from './events';
import type { Layout } from './layout';
import { componentEntries } from './ops-components';
import type { OpsRun } from './ops-run';
import {
  forceFailOver,
  noteOnly,
  reconfigureTls,
  rotateAuth,
  specChange,
  replaceSentinel,
  storageMigration,
} from './ops-types-more';
import type { PodRegistry } from './petset-controller';
import { asRecord, getPath, setPath, text } from './util';

/** Runs `fn` as the step `type`; the step's condition is written when it completes. */
export type StepRunner = (
  type: string,
  message: string,
  fn: (signal: AbortSignal) => Promise<void> | void,
) => Promise<void>;

export interface OpsDeps {
  pods: PodRegistry;
  record: EventRecorder;
  random: () => number;
  /** Asks the PetSet controller to look at the database's PetSets again. */
  nudgePetSets: () => void;
}

/** Runs one OpsRequest type against its database. */
export type Handler = (run: OpsRun, step: StepRunner, deps: OpsDeps) => Promise<void>;

function setContainerResources(
  spec: Record<string, unknown>,
  templatePath: string[],
  container: string,
  resources: Resources,
): void {
  const path = [...templatePath.slice(1), 'spec', 'containers'];
  const list = getPath(spec, path);
  const containers = Array.isArray(list) ? [...(list as Record<string, unknown>[])] : [];
  const index = containers.findIndex((c) => c.name === container);
  if (index >= 0) containers[index] = { ...containers[index], resources };
  else containers.push({ name: container, resources });
  setPath(spec, path, containers);
}

const restartAll: Handler = async (run, step) => {
  await step('RestartPods', 'Successfully restarted all the pods', (signal) =>
    run.rollPods(signal),
  );
};

const updateVersion: Handler = async (run, step) => {
  const target = text(getPath(run.opsSpec, ['updateVersion', 'targetVersion']));
  await step('UpdatePetSets', `Successfully updated the PetSets to version ${target}`, (signal) => {
    run.patchDbSpec((spec) => {
      spec.version = target;
    });
    return run.waitSettled(signal);
  });
  await step('RestartPods', 'Successfully restarted the pods with the new version', (signal) =>
    run.rollPods(signal),
  );
  await step(
    'UpdateVersion',
    `Successfully updated the database to version ${target}`,
    () => undefined,
  );
};

function podTotal(layout: Layout): number {
  return layout.groups.reduce((n, g) => n + g.replicas, 0);
}

const horizontalScaling: Handler = async (run, step) => {
  const block = asRecord(run.opsSpec.horizontalScaling);
  const kind = run.kind;
  const mutate = (spec: Record<string, unknown>): void => {
    switch (kind) {
      case 'MySQL':
      case 'MariaDB':
        // MariaDB `maxscale: true` scales the MaxScale proxies, not the database members.
        if (kind === 'MariaDB' && block.maxscale === true) {
          if (block.member !== undefined)
            setPath(spec, ['topology', 'maxscale', 'replicas'], block.member);
        } else if (block.member !== undefined) spec.replicas = block.member;
        break;
      case 'MongoDB':
        if (block.replicas !== undefined) spec.replicas = block.replicas;
        for (const component of ['shard', 'configServer', 'mongos', 'hidden'] as const) {
          const c = asRecord(block[component]);
          const base = component === 'hidden' ? ['hidden'] : ['shardTopology', component];
          if (c.replicas !== undefined) setPath(spec, [...base, 'replicas'], c.replicas);
          if (c.shards !== undefined) setPath(spec, [...base, 'shards'], c.shards);
        }
        break;
      case 'Redis':
        if (spec.mode === 'Cluster') {
          if (block.shards !== undefined) setPath(spec, ['cluster', 'shards'], block.shards);
          if (block.replicas !== undefined) setPath(spec, ['cluster', 'replicas'], block.replicas);
        } else if (block.replicas !== undefined) spec.replicas = block.replicas;
        break;
      case 'Elasticsearch':
        if (block.node !== undefined) spec.replicas = block.node;
        for (const [node, replicas] of Object.entries(asRecord(block.topology)))
          setPath(spec, ['topology', node, 'replicas'], replicas);
        break;
      default:
        if (block.replicas !== undefined) spec.replicas = block.replicas;
        if (block.standbyMode !== undefined && spec.standbyMode !== undefined)
          spec.standbyMode = block.standbyMode;
        if (block.streamingMode !== undefined && spec.streamingMode !== undefined)
          spec.streamingMode = block.streamingMode;
    }
  };
  const current = run.db();
  const planned = structuredClone(current);
  planned.spec = structuredClone(asRecord(current.spec));
  mutate(planned.spec as Record<string, unknown>);
  const before = podTotal(run.layout(current));
  const after = podTotal(run.layout(planned));
  const type = after >= before ? 'HorizontalScaleUp' : 'HorizontalScaleDown';
  await step(type, `Successfully scaled the ${kind} from ${before} to ${after} pods`, (signal) => {
    run.patchDbSpec(mutate);
    return run.waitSettled(signal);
  });
};

const verticalScaling: Handler = async (run, step) => {
  const block = asRecord(run.opsSpec.verticalScaling);
  const entries = componentEntries(run.kind, block, asRecord(run.db().spec));
  await step('UpdatePetSets', 'Successfully updated the PetSets resources', (signal) => {
    run.patchDbSpec((spec) => {
      for (const e of entries)
        setContainerResources(
          spec,
          e.target.templatePath,
          e.target.container,
          asRecord(asRecord(e.value).resources),
        );
    });
    return run.waitSettled(signal);
  });
  await step('RestartPods', 'Successfully restarted the pods with the new resources', (signal) =>
    run.rollPods(signal),
  );
  await step('VerticalScaling', 'Successfully completed the vertical scaling', () => undefined);
};

const volumeExpansion: Handler = async (run, step) => {
  const block = asRecord(run.opsSpec.volumeExpansion);
  const entries = componentEntries(run.kind, block, asRecord(run.db().spec)).filter(
    (e) => e.target.storagePath,
  );
  await step('VolumeExpansion', 'Successfully expanded the volumes', async (signal) => {
    for (const e of entries) run.resizeVolumes(e.target.storagePath ?? [], String(e.value));
    run.patchDbSpec((spec) => {
      for (const e of entries)
        setPath(
          spec,
          [...(e.target.storagePath ?? []).slice(1), 'resources', 'requests', 'storage'],
          String(e.value),
        );
    });
    await run.waitSettled(signal);
  });
  if (block.mode === 'Offline')
    await step(
      'RestartPods',
      'Successfully restarted the pods after the offline expansion',
      (signal) => run.rollPods(signal),
    );
};

const reconfigure: Handler = async (run, step) => {
  const block = asRecord(run.opsSpec.configuration);
  const spec0 = asRecord(run.db().spec);
  // MongoDB nests the block per component; the others carry it at the top.
  const parts =
    run.kind === 'MongoDB'
      ? componentEntries('MongoDB', block, spec0)
          .filter((e) => e.target.configurationPath)
          .map((e) => ({ path: e.target.configurationPath ?? [], cfg: asRecord(e.value) }))
      : [{ path: ['spec', 'configuration'], cfg: block }];
  await step('UpdateConfiguration', 'Successfully updated the configuration', () => {
    run.patchDbSpec((spec) => {
      for (const { path, cfg } of parts) {
        const rel = path.slice(1);
        if (cfg.removeCustomConfig === true) setPath(spec, rel, {});
        const current = asRecord(getPath(spec, rel));
        const inline = {
          ...asRecord(current.inline),
          ...(asRecord(cfg.applyConfig) as Record<string, string>),
        };
        const next: Record<string, unknown> = { ...current };
        if (Object.keys(inline).length > 0) next.inline = inline;
        const secret = getPath(cfg, ['configSecret', 'name']);
        if (typeof secret === 'string') next.secretName = secret;
        if (run.kind === 'Postgres' && cfg.tuning !== undefined) next.tuning = cfg.tuning;
        setPath(spec, rel, next);
      }
    });
  });
  const restart = parts.map((p) => p.cfg.restart).find((r) => r !== undefined);
  if (restart !== false && restart !== 'false')
    await step(
      'RestartPods',
      'Successfully restarted the pods with the new configuration',
      (signal) => run.rollPods(signal),
    );
};

export function handlerFor(kind: string, type: string): Handler | undefined {
  const common: Record<string, Handler> = {
    UpdateVersion: updateVersion,
    HorizontalScaling: horizontalScaling,
    VerticalScaling: verticalScaling,
    VolumeExpansion: volumeExpansion,
    Restart: restartAll,
    Reconfigure: reconfigure,
    ReconfigureTLS: reconfigureTls,
    RotateAuth: rotateAuth,
    StorageMigration: storageMigration,
  };
  const extra: Record<string, Record<string, Handler>> = {
    Postgres: {
      ReconnectStandby: async (run, step) =>
        step('ReconnectStandby', 'Successfully reconnected the standbys', (signal) =>
          run.rollPods(signal),
        ),
      ForceFailOver: forceFailOver,
      SetRaftKeyPair: noteOnly('SetRaftKeyPair', 'Successfully set the raft key pair'),
      RotatePrincipalKey: noteOnly(
        'RotatePrincipalKey',
        'Successfully rotated the TDE principal key',
      ),
      EnableWALEncryption: noteOnly(
        'EnableWALEncryption',
        'Successfully enabled WAL encryption',
        true,
      ),
    },
    MySQL: {
      ReplicationModeTransformation: specChange(
        'ReplicationModeTransformation',
        'Successfully transformed the replication mode',
        (spec, ops) => {
          const block = asRecord(ops.replicationModeTransformation);
          if (typeof block.targetTopologyMode === 'string')
            setPath(spec, ['topology', 'mode'], block.targetTopologyMode);
          if (typeof block.mode === 'string')
            setPath(spec, ['topology', 'group', 'mode'], block.mode);
        },
      ),
    },
    MongoDB: {
      Reprovision: async (run, step) =>
        step('Reprovision', 'Successfully reprovisioned the database', (signal) =>
          run.rollPods(signal),
        ),
      Horizons: noteOnly('Horizons', 'Successfully configured the replica set horizons', true),
    },
    Redis: {
      ReplaceSentinel: replaceSentinel,
      Announce: noteOnly('Announce', 'Successfully announced the cluster endpoints', true),
    },
  };
  return extra[kind]?.[type] ?? common[type];
}
