import { useEffect, useMemo, useState } from 'react';
import { ClientProvider, createApiClient, type SessionUser, type StreamState } from './api';
import { Shell } from './app/Shell';
import { LoginScreen } from './features/login';
import { clearSnapshot } from './stores';

/**
 * The console's root. Inside the desktop window the IPC client needs no sign-in (main adds the
 * identity); in a browser the daemon's session starts at the login screen, or resumes from the
 * tab's refresh token.
 */
export function App() {
  const [streamState, setStreamState] = useState<StreamState | null>(null);
  const { client, session } = useMemo(() => createApiClient(setStreamState), []);
  const [user, setUser] = useState<SessionUser | null>(session?.user ?? null);
  const [resuming, setResuming] = useState(() => session?.canResume ?? false);
  const [offlineResume, setOfflineResume] = useState(false);

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

  if (session && !user && !offlineResume) {
    if (resuming) return <p className="content">Resuming your session…</p>;
    return <LoginScreen session={session} onSignedIn={setUser} />;
  }
  return (
    <ClientProvider client={client}>
      <Shell
        client={client}
        user={user}
        streamState={streamState}
        onSignOut={
          session
            ? () => {
                clearSnapshot(localStorage);
                session.logout();
              }
            : null
        }
      />
    </ClientProvider>
  );
}
