import { useSyncExternalStore } from 'react';

/** The current route: the location hash without `#`, e.g. `/databases/abc`. */
function current(): string {
  const hash = window.location.hash.replace(/^#/, '');
  return hash === '' ? '/' : hash;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

/** Re-renders on navigation; hash routes work from the daemon and from the desktop's file URL. */
export function useRoute(): string {
  return useSyncExternalStore(subscribe, current, () => '/');
}

/** Goes to a route, e.g. `navigate('/databases/abc')`. */
export function navigate(path: string): void {
  window.location.hash = path;
}

/** `href` for a route. */
export function href(path: string): string {
  return `#${path}`;
}
