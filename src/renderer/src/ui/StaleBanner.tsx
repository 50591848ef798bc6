import { useEffect, useState } from 'react';
import { useFleetStore } from '../stores';
import { age } from './format';

/** Says that the API is unreachable, how old the shown data is, and why actions are off. */
export function StaleBanner() {
  const online = useFleetStore((s) => s.online);
  const syncedAt = useFleetStore((s) => s.syncedAt);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (online) return;
    const timer = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(timer);
  }, [online]);
  if (online) return null;
  return (
    <div className="stale" role="status" data-testid="stale-banner">
      The engine cannot be reached. Showing the last known data
      {syncedAt ? ` from ${age(syncedAt, now)} ago` : ''} (stale). Actions that need the cluster are
      disabled until it answers again.
    </div>
  );
}

/** Why an action is unavailable right now, or null when it may run. */
export function useOfflineReason(): string | null {
  const online = useFleetStore((s) => s.online);
  return online ? null : 'The engine is unreachable; this needs the cluster.';
}
