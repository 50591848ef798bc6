import { create } from 'zustand';
import type { Database } from '../../api';

/** The table's filters; empty strings mean "any". */
export interface DatabaseFilters {
  q: string;
  engine: string;
  status: string;
  providerId: string;
  domain: string;
  project: string;
}

export const NO_FILTERS: DatabaseFilters = {
  q: '',
  engine: '',
  status: '',
  providerId: '',
  domain: '',
  project: '',
};

/**
 * The databases that pass the filters, sorted by name. Deleted ones are hidden unless asked for by
 * status. The search matches name, namespace, engine and version.
 */
export function filterDatabases(
  databases: Iterable<Database>,
  filters: DatabaseFilters,
): Database[] {
  const q = filters.q.trim().toLowerCase();
  const out: Database[] = [];
  for (const db of databases) {
    if (filters.status ? db.status !== filters.status : db.status === 'DELETED') continue;
    if (filters.engine && db.engine !== filters.engine) continue;
    if (filters.providerId && db.providerId !== filters.providerId) continue;
    if (filters.domain && db.domain !== filters.domain) continue;
    if (filters.project && db.project !== filters.project) continue;
    if (
      q &&
      !db.name.includes(q) &&
      !db.namespace.includes(q) &&
      !db.engine.includes(q) &&
      !db.version.includes(q)
    )
      continue;
    out.push(db);
  }
  return out.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.namespace < b.namespace ? -1 : 1,
  );
}

/** The distinct domains and projects present, for the filter menus. */
export function tenantsOf(databases: Iterable<Database>): {
  domains: string[];
  projects: string[];
} {
  const domains = new Set<string>();
  const projects = new Set<string>();
  for (const db of databases) {
    domains.add(db.domain);
    projects.add(db.project);
  }
  return { domains: [...domains].sort(), projects: [...projects].sort() };
}

interface FilterState {
  filters: DatabaseFilters;
  set: (patch: Partial<DatabaseFilters>) => void;
  reset: () => void;
}

/** The filters survive leaving the screen and coming back. */
export const useDatabaseFilters = create<FilterState>((set, get) => ({
  filters: NO_FILTERS,
  set: (patch) => set({ filters: { ...get().filters, ...patch } }),
  reset: () => set({ filters: NO_FILTERS }),
}));
