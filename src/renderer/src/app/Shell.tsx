import { lazy, Suspense, useRef } from 'react';
import type { ApiClient, DesktopSettingsClient, SessionUser, StreamState } from '../api';
import { AuditScreen } from '../features/audit';
import { ClustersScreen } from '../features/clusters';
import { CreateProgress, CreateWizard } from '../features/create';
import { DatabaseDetail, DatabasesScreen, useDatabaseFilters } from '../features/databases';
import { OperationsScreen } from '../features/operations';
import { SettingsScreen } from '../features/settings';
import { useFleetStore, usePreferencesStore, type ThemeChoice } from '../stores';
import { EmptyState, StaleBanner, Toasts, href, useRoute } from '../ui';
import { CommandPalette } from './CommandPalette';
import { usePageTitle } from './page-title';
import { useLiveFleet } from './use-live-fleet';

// The dashboard's charts (recharts) load only when it is shown, so other screens start faster.
const DashboardScreen = lazy(() =>
  import('../features/dashboard').then((m) => ({ default: m.DashboardScreen })),
);

// The Backups page draws the drills' RTO trend with recharts too.
const BackupsScreen = lazy(() =>
  import('../features/backup-estate').then((m) => ({ default: m.BackupsScreen })),
);

const NAV = [
  { path: '/', label: 'Dashboard' },
  { path: '/databases', label: 'Databases' },
  { path: '/create', label: 'New database' },
  { path: '/clusters', label: 'Clusters' },
  { path: '/backups', label: 'Backups' },
  { path: '/operations', label: 'Operations' },
  { path: '/audit', label: 'Audit' },
  { path: '/settings', label: 'Settings' },
];

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = {
  system: 'light',
  light: 'dark',
  dark: 'system',
};

/** On the desktop: main's settings, and what to do once they changed the backend. */
export interface DesktopControls {
  settings: DesktopSettingsClient;
  onBackendChanged: () => void;
}

function Screen({
  route,
  client,
  desktop,
}: {
  route: string;
  client: ApiClient;
  desktop: DesktopControls | null;
}) {
  const setFilters = useDatabaseFilters((s) => s.set);
  const detail = /^\/databases\/([^/]+)$/.exec(route);
  if (detail) return <DatabaseDetail id={decodeURIComponent(detail[1]!)} />;
  const creating = /^\/create\/([^/]+)\/([^/]+)$/.exec(route);
  if (creating) {
    const [, databaseId, operationId] = creating.map(decodeURIComponent);
    return <CreateProgress databaseId={databaseId!} operationId={operationId!} />;
  }
  switch (route) {
    case '/':
      return (
        <DashboardScreen
          onFilter={(patch) => setFilters({ status: '', engine: '', providerId: '', ...patch })}
        />
      );
    case '/databases':
      return <DatabasesScreen />;
    case '/create':
      return <CreateWizard />;
    case '/clusters':
      return <ClustersScreen />;
    case '/backups':
      return <BackupsScreen />;
    case '/operations':
      return <OperationsScreen />;
    case '/audit':
      return <AuditScreen />;
    case '/settings':
      return (
        <SettingsScreen
          client={client}
          settings={desktop?.settings ?? null}
          onBackendChanged={() => desktop?.onBackendChanged()}
        />
      );
    default:
      return (
        <EmptyState title="There is no such page">
          Go to the <a href={href('/')}>dashboard</a>.
        </EmptyState>
      );
  }
}

/** The signed-in console: navigation, the live fleet, the current screen, toasts and the palette. */
export function Shell({
  client,
  user,
  streamState,
  onSignOut,
  desktop = null,
}: {
  client: ApiClient;
  user: SessionUser | null;
  streamState: StreamState | null;
  onSignOut: (() => void) | null;
  desktop?: DesktopControls | null;
}) {
  useLiveFleet(client, streamState);
  const route = useRoute();
  usePageTitle(route, NAV);
  const main = useRef<HTMLElement>(null);
  const { theme, setTheme } = usePreferencesStore();
  const online = useFleetStore((s) => s.online);
  const section = route === '/' ? '/' : `/${route.split('/')[1] ?? ''}`;
  return (
    <div className="app">
      {/* The first stop of Tab: past the navigation to the screen (the hash is the router's, so
          the link moves focus itself instead of navigating). */}
      <a
        className="skip-link"
        href="#main-content"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <h1>KubeDB DBaaS Console</h1>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a
              key={item.path}
              href={href(item.path)}
              aria-current={section === item.path ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div className="topbar-right">
          <span
            className={`dot ${online && streamState !== 'closed' ? 'dot-ok' : 'dot-bad'}`}
            title={
              online ? (streamState === 'closed' ? 'live updates reconnecting' : 'live') : 'offline'
            }
          />
          <span className="muted kbd-hint">Ctrl+K</span>
          <button
            type="button"
            className="small"
            onClick={() => setTheme(NEXT_THEME[theme])}
            aria-label={`Theme: ${theme}. Switch to ${NEXT_THEME[theme]}`}
          >
            {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'} {theme}
          </button>
          {user && <span data-testid="signed-in-user">{user.username}</span>}
          {onSignOut && (
            <button type="button" className="small" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <StaleBanner />
      <main className="content" id="main-content" ref={main} tabIndex={-1}>
        <Suspense fallback={<p>Loading…</p>}>
          <Screen route={route} client={client} desktop={desktop} />
        </Suspense>
      </main>
      <Toasts />
      <CommandPalette />
    </div>
  );
}
