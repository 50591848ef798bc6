import { useEffect } from 'react';
import { useFleetStore } from '../stores';

/** The product's name, last in every page title. */
export const PRODUCT_TITLE = 'KubeDB DBaaS Console';

/**
 * The window's title for a route, most specific first, so that tabs, history and window lists tell
 * screens apart: "Databases — KubeDB DBaaS Console", "orders — Databases — KubeDB DBaaS Console".
 */
export function pageTitle(
  route: string,
  sections: readonly { path: string; label: string }[],
  databaseName: (id: string) => string | undefined,
): string {
  const detail = /^\/databases\/([^/]+)$/.exec(route);
  if (detail) {
    const id = decodeURIComponent(detail[1]!);
    return [databaseName(id) ?? 'Database', 'Databases', PRODUCT_TITLE].join(' — ');
  }
  // A screen's sub-routes (the progress of a create) carry the screen's name.
  const path = route === '/' ? '/' : `/${route.split('/')[1] ?? ''}`;
  const section = sections.find((item) => item.path === path);
  return section ? `${section.label} — ${PRODUCT_TITLE}` : `Not found — ${PRODUCT_TITLE}`;
}

/** Keeps `document.title` in step with the route (and with a database's name once it is known). */
export function usePageTitle(route: string, sections: readonly { path: string; label: string }[]) {
  const detailId = /^\/databases\/([^/]+)$/.exec(route)?.[1];
  const name = useFleetStore((s) =>
    detailId ? s.databases.get(decodeURIComponent(detailId))?.name : undefined,
  );
  useEffect(() => {
    document.title = pageTitle(route, sections, () => name);
  }, [route, sections, name]);
}
