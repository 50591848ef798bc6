import { useEffect, useState } from 'react';
import { useFleetStore } from '../stores';
import { age } from './format';

/**
 * Says that what is shown is the last known state, how old it is and why, and that actions are off:
 * when the engine cannot be reached at all, or when the desktop's main answers from its offline
 * cache because the engine, a cluster or the shared store cannot answer.
 */
export function StaleBanner() {
  const online = useFleetStore((s) => s.online);
  const syncedAt = useFleetStore((s) => s.syncedAt);
  const stale = useFleetStore((s) => s.stale);
  const [now, setNow] = useState(Date.now());
  const fresh = online && stale === null;
  useEffect(() => {
    if (fresh) return;
    const timer = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(timer);
  }, [fresh]);
  if (fresh) return null;
  const since = stale?.since ?? syncedAt;
  return (
    <div className="stale" role="status" data-testid="stale-banner">
      {stale ? `Not current: ${stale.reason}.` : 'The engine cannot be reached.'} Showing the last
      known data{since ? ` from ${age(since, now)} ago` : ''} (stale). Actions that need the cluster
      are disabled until it answers again.
    </div>
  );
}

/** Why an action is unavailable right now, or null when it may run. */
export function useOfflineReason(): string | null {
  const online = useFleetStore((s) => s.online);
  const stale = useFleetStore((s) => s.stale);
  if (!online) return 'The engine is unreachable; this needs the cluster.';
  return stale ? `The shown data is stale (${stale.reason}); this needs the cluster.` : null;
}
