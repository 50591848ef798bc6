import { useEffect, useRef, useState } from 'react';
import type { ApiClient, Credentials } from '../../../api';
import { CopyButton, ErrorView } from '../../../ui';

/** How long revealed credentials stay on screen. */
export const REVEAL_MS = 30_000;

/**
 * Credentials are fetched only when asked for (the read is audited), shown for `hideAfterMs`, then
 * forgotten. Hiding early forgets them too.
 */
export function CredentialsPanel({
  client,
  databaseId,
  disabledReason,
  hideAfterMs = REVEAL_MS,
}: {
  client: ApiClient;
  databaseId: string;
  disabledReason: string | null;
  hideAfterMs?: number;
}) {
  const [credentials, setCredentials] = useState<Credentials | null>(null);
  const [left, setLeft] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);

  const clearTimers = (): void => {
    for (const timer of timers.current) clearTimeout(timer);
    timers.current = [];
  };
  const hide = (): void => {
    clearTimers();
    setCredentials(null);
    setLeft(0);
  };
  useEffect(() => clearTimers, []);

  const reveal = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const answer = await client.request<Credentials>(
        'GET',
        `/api/v1/databases/${encodeURIComponent(databaseId)}/credentials`,
      );
      clearTimers();
      setCredentials(answer);
      const until = Date.now() + hideAfterMs;
      setLeft(Math.ceil(hideAfterMs / 1000));
      const tick = (): void => {
        const remaining = until - Date.now();
        if (remaining <= 0) {
          hide();
          return;
        }
        setLeft(Math.ceil(remaining / 1000));
        timers.current.push(setTimeout(tick, Math.min(1000, remaining)));
      };
      timers.current.push(setTimeout(tick, Math.min(1000, hideAfterMs)));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="credentials-title">
      <h3 id="credentials-title">Credentials</h3>
      {credentials ? (
        <>
          <dl className="facts" data-testid="credentials">
            <dt>Username</dt>
            <dd data-testid="credential-username">{credentials.username}</dd>
            <dt>Password</dt>
            <dd>
              <code data-testid="credential-password">{credentials.password}</code>{' '}
              <CopyButton text={credentials.password} label="Copy password" />
            </dd>
            <dt>Connection</dt>
            <dd>
              <code className="wrap">{credentials.connectionString}</code>{' '}
              <CopyButton
                text={credentials.connectionString}
                label="Copy connection string with password"
              />
            </dd>
          </dl>
          <p className="muted" aria-live="polite">
            Hidden again in {left} s.
          </p>
          <button type="button" onClick={hide}>
            Hide credentials
          </button>
        </>
      ) : (
        <>
          <p className="muted">
            Hidden. Revealing them is recorded in the audit trail; they hide again after{' '}
            {Math.round(hideAfterMs / 1000)} s.
          </p>
          <button
            type="button"
            onClick={() => void reveal()}
            disabled={busy || disabledReason !== null}
            title={disabledReason ?? undefined}
          >
            Reveal credentials
          </button>
          {disabledReason && <p className="muted">{disabledReason}</p>}
        </>
      )}
      <ErrorView error={error} />
    </section>
  );
}
