import { useEffect, useMemo, useState } from 'react';
import {
  ClientProvider,
  createApiClient,
  createDesktopSettingsClient,
  type ApiClient,
  type DesktopSettingsClient,
  type SessionUser,
  type StreamState,
} from './api';
import { SESSION_EVENT, STREAM_EVENT, type ActiveBackend } from '../../shared/ipc';
import { Shell, type DesktopControls } from './app/Shell';
import { LoginScreen } from './features/login';
import { clearSnapshot, useFleetStore } from './stores';

/** Main's own sign-out of the remote daemon (the tokens live in main). */
const DESKTOP_LOGOUT = '/api/v1/auth/logout';

/**
 * The console's root. Inside the desktop window the IPC client needs no sign-in for the embedded
 * engine (main adds the identity); attached to a remote daemon, main holds that daemon's session and
 * the page signs in through it. In a browser the daemon's session starts at the login screen, or
 * resumes from the tab's refresh token.
 */
export function App() {
  const [streamState, setStreamState] = useState<StreamState | null>(null);
  const { client, session } = useMemo(
    () => createApiClient(setStreamState, (stale) => useFleetStore.getState().markStale(stale)),
    [],
  );
  const desktopSettings = useMemo(() => createDesktopSettingsClient(window.dbaas), []);
  const [user, setUser] = useState<SessionUser | null>(session?.user ?? null);
  const [resuming, setResuming] = useState(() => session?.canResume ?? false);
  const [offlineResume, setOfflineResume] = useState(false);
  const remote = useRemoteDaemon(client, desktopSettings, setStreamState);

  useEffect(() => {
    if (!session) return;
    const off = session.onChange(setUser);
    if (session.canResume) {
      void session.refresh().then((ok) => {
        // Unreachable but not refused: show the last known data until the daemon answers.
        if (!ok && session.canResume) setOfflineResume(true);
        setResuming(false);
      });
    }
    return off;
  }, [session]);

  const reload = (): void => {
    // Another engine or daemon: the last known fleet of the previous one is not this one's.
    clearSnapshot(localStorage);
    window.location.reload();
  };
  const desktop: DesktopControls | null = desktopSettings
    ? { settings: desktopSettings, onBackendChanged: reload }
    : null;

  if (session && !user && !offlineResume) {
    if (resuming) return <p className="content">Resuming your session…</p>;
    return <LoginScreen session={session} onSignedIn={setUser} />;
  }
  if (desktopSettings && remote.active === 'loading')
    return <p className="content">Starting the engine…</p>;
  if (remote.active !== 'loading' && remote.active?.kind === 'remote' && !remote.active.signedIn) {
    return (
      <LoginScreen
        session={{
          login: async (username, password) =>
            (
              await client.request<{ user: SessionUser }>('POST', '/api/v1/auth/login', {
                username,
                password,
              })
            ).user,
        }}
        daemonUrl={remote.active.url}
        onSignedIn={(signedIn) => {
          setUser(signedIn);
          remote.setSignedIn(true);
        }}
        onUseEmbedded={() => {
          if (!desktopSettings) return;
          void desktopSettings
            .get()
            .then((view) => desktopSettings.save({ ...view.settings, attachRemote: false }))
            .then(reload);
        }}
      />
    );
  }
  const remoteSignOut =
    remote.active !== 'loading' && remote.active?.kind === 'remote'
      ? () => {
          clearSnapshot(localStorage);
          void client.request('POST', DESKTOP_LOGOUT).then(() => remote.setSignedIn(false));
        }
      : null;
  return (
    <ClientProvider client={client}>
      <Shell
        client={client}
        user={user}
        streamState={streamState}
        desktop={desktop}
        onSignOut={
          session
            ? () => {
                clearSnapshot(localStorage);
                session.logout();
              }
            : remoteSignOut
        }
      />
    </ClientProvider>
  );
}

/**
 * On the desktop: what main runs (asked once at start; null when nothing runs and main answers
 * from its offline cache), the remote daemon's session as main's `desktop.session` events report
 * it, and main's event stream from that daemon (`desktop.stream`), so that missed events are made
 * up as in a browser.
 */
function useRemoteDaemon(
  client: ApiClient,
  settings: DesktopSettingsClient | null,
  onStreamState: (state: StreamState) => void,
): { active: ActiveBackend | null | 'loading'; setSignedIn: (signedIn: boolean) => void } {
  const [active, setActive] = useState<ActiveBackend | null | 'loading'>(
    settings ? 'loading' : null,
  );
  useEffect(() => {
    if (!settings) return;
    let live = true;
    settings.get().then(
      (view) => live && setActive(view.active),
      // Main did not answer: show the console; its requests will say what is wrong.
      () => live && setActive(null),
    );
    const off = client.onEvent((event) => {
      if (event.type === STREAM_EVENT) {
        const state = (event.data as { state?: unknown }).state;
        if (state === 'connecting' || state === 'open' || state === 'closed') onStreamState(state);
        return;
      }
      if (event.type !== SESSION_EVENT) return;
      const signedIn = (event.data as { signedIn?: unknown }).signedIn === true;
      setActive((current) => withSignedIn(current, signedIn));
    });
    return () => {
      live = false;
      off();
    };
  }, [client, settings, onStreamState]);
  return {
    active,
    setSignedIn: (signedIn) => setActive((current) => withSignedIn(current, signedIn)),
  };
}

function withSignedIn(
  current: ActiveBackend | null | 'loading',
  signedIn: boolean,
): ActiveBackend | null | 'loading' {
  return current !== 'loading' && current?.kind === 'remote' ? { ...current, signedIn } : current;
}
