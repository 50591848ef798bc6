import type { ReactNode } from 'react';

/** What to show when there is nothing yet, and what to do next. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{title}</strong>
      {children && <div className="empty-next">{children}</div>}
    </div>
  );
}
