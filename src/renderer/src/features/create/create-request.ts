import type { DatabaseMode, Engine } from '../../api';
import type { SizePreset } from '../../model/engines';

/** What the wizard's fields hold. */
export interface WizardForm {
  engine: Engine;
  version: string;
  mode: DatabaseMode;
  replicas: number;
  preset: SizePreset;
  cpu: string;
  memory: string;
  storageSize: string;
  storageClass: string;
  name: string;
  domain: string;
  project: string;
  /** '' lets the engine choose the cluster. */
  providerId: string;
}

/** The `POST /databases` body for the wizard's fields (API.md's create body). */
export function buildCreateRequest(form: WizardForm): Record<string, unknown> {
  return {
    name: form.name.trim(),
    engine: form.engine,
    version: form.version,
    domain: form.domain.trim(),
    project: form.project.trim(),
    mode: form.mode,
    replicas: form.replicas,
    resources: { cpu: form.cpu.trim(), memory: form.memory.trim() },
    storage: {
      size: form.storageSize.trim(),
      ...(form.storageClass.trim() ? { storageClass: form.storageClass.trim() } : {}),
    },
    ...(form.providerId ? { providerId: form.providerId } : {}),
    deletionPolicy: 'Delete',
  };
}
