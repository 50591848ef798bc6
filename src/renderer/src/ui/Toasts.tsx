import { useToastStore } from '../stores';

/** The corner where toasts appear; announced politely to screen readers. */
export function Toasts() {
  const { toasts, dismiss } = useToastStore();
  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.tone}`} role="status">
          <span>{toast.text}</span>
          <button
            type="button"
            className="small"
            aria-label="Dismiss"
            onClick={() => dismiss(toast.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
