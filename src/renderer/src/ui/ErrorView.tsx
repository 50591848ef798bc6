import { ApiError } from '../api';

/** An API error as the user should see it: the message, and each field that was wrong. */
export function ErrorView({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  if (error instanceof TypeError) {
    // fetch's own failure: no answer at all, which the stale banner explains.
    return (
      <p role="status" className="muted">
        Not available: the engine cannot be reached.
      </p>
    );
  }
  const message =
    error instanceof Error
      ? error.message
      : typeof error === 'string'
        ? error
        : JSON.stringify(error);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div role="alert" className="error-box">
      <strong>{title ?? (error instanceof ApiError ? `${error.code}` : 'Error')}</strong>: {message}
      {details.length > 0 && (
        <ul>
          {details.map((detail, i) => (
            <li key={i}>
              <code>{detail.path || '(request)'}</code>: {detail.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
