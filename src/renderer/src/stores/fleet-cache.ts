import type { Database, Operation, PublicProvider } from '../api';

/** What survives a reload or an unreachable API: the last successful answers. */
export interface FleetSnapshot {
  savedAt: number;
  databases: Database[];
  providers: PublicProvider[];
  operations: Operation[];
}

export type SnapshotStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const KEY = 'dbaas.fleetSnapshot.v2';
const MAX_CHARS = 4_500_000;

/**
 * The fields a snapshot keeps, stored as one array per database (no repeated keys), so that ten
 * thousand databases fit in localStorage's few million characters. Conditions, labels, topology and
 * the backup policy are left out: the list views do not need them.
 */
const FIELDS = [
  'id',
  'name',
  'engine',
  'version',
  'domain',
  'project',
  'providerId',
  'namespace',
  'replicas',
  'mode',
  'resources',
  'storage',
  'deletionPolicy',
  'halted',
  'status',
  'phase',
  'readyReplicas',
  'endpoint',
  'drift',
  'activeOperationId',
  'statusReason',
  'lastSyncedAt',
  'revision',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof Database)[];

function encode(database: Database): unknown[] {
  return FIELDS.map((field) => database[field]);
}

function decode(row: unknown): Database | null {
  if (!Array.isArray(row) || row.length !== FIELDS.length) return null;
  const fields = Object.fromEntries(FIELDS.map((field, i) => [field, row[i] as unknown]));
  return {
    topology: {},
    conditions: [],
    labels: {},
    backup: null,
    ...fields,
  } as unknown as Database;
}

/**
 * Saves the snapshot; when the storage quota refuses it, keeps fewer databases rather than none.
 * Returns how many databases were kept.
 */
export function saveSnapshot(storage: SnapshotStorage, snapshot: FleetSnapshot): number {
  const rows = snapshot.databases.map(encode);
  const operations = snapshot.operations.slice(0, 200);
  let keep = rows.length;
  for (let tries = 0; tries < 8; tries++) {
    const text = JSON.stringify({ ...snapshot, databases: rows.slice(0, keep), operations });
    // Browsers allow about 5 million characters per origin; do not even try far beyond it.
    if (text.length <= MAX_CHARS) {
      try {
        storage.setItem(KEY, text);
        return keep;
      } catch {
        // Quota exceeded after all (another page of the origin uses some): half as many.
        keep = Math.floor(keep / 2);
        continue;
      }
    }
    keep = Math.floor((keep * MAX_CHARS) / text.length / 1.1);
  }
  return 0;
}

/** The last saved snapshot, or null when there is none or it cannot be read. */
export function loadSnapshot(storage: SnapshotStorage): FleetSnapshot | null {
  try {
    const text = storage.getItem(KEY);
    if (!text) return null;
    const parsed = JSON.parse(text) as Partial<Omit<FleetSnapshot, 'databases'>> & {
      databases?: unknown;
    };
    if (!Array.isArray(parsed.databases) || typeof parsed.savedAt !== 'number') return null;
    return {
      savedAt: parsed.savedAt,
      databases: parsed.databases.map(decode).filter((d): d is Database => d !== null),
      providers: parsed.providers ?? [],
      operations: parsed.operations ?? [],
    };
  } catch {
    return null;
  }
}

/** Forgets the snapshot (on sign-out). */
export function clearSnapshot(storage: SnapshotStorage): void {
  storage.removeItem(KEY);
}
