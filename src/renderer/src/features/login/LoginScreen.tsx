import { useState, type FormEvent } from 'react';
import type { SessionUser } from '../../api';
import { ErrorView } from '../../ui';

/** Sign-in to the daemon; the tokens stay with the session, never in the page's storage as plain access tokens. */
export function LoginScreen({
  session,
  onSignedIn,
  daemonUrl,
  onUseEmbedded,
}: {
  /** The browser's TokenManager, or on the desktop main's session with the remote daemon. */
  session: { login(username: string, password: string): Promise<SessionUser> };
  onSignedIn: (user: SessionUser) => void;
  /** The remote daemon the desktop is attached to, when it is. */
  daemonUrl?: string;
  /** On the desktop: go back to the embedded engine instead of signing in. */
  onUseEmbedded?: () => void;
}) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await session.login(username, password));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form
        className="panel login-form"
        onSubmit={(e) => void submit(e)}
        aria-labelledby="login-title"
      >
        <h1 id="login-title">Sign in to the KubeDB DBaaS Console</h1>
        {daemonUrl && <p data-testid="login-daemon">Daemon: {daemonUrl}</p>}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <ErrorView error={error} title="Sign-in failed" />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">
          The first administrator is `admin`; its password is the daemon&apos;s
          DBAAS_ADMIN_PASSWORD.
        </p>
        {onUseEmbedded && (
          <button type="button" className="small" onClick={onUseEmbedded}>
            Use the embedded engine instead
          </button>
        )}
      </form>
    </main>
  );
}
