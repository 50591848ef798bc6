import { useState } from 'react';
import type { ApiClient, Database } from '../../api';
import { BackupsPanel } from './BackupsPanel';

/**
 * The Backups tab of the detail page: closed until asked, so that a detail page stays one read
 * (the rate-limit budget of detail-budget.test.tsx); opening it reads the policy, sessions and
 * storages.
 */
export function BackupsTab(props: {
  database: Pick<Database, 'id' | 'name' | 'project' | 'providerId'>;
  client: ApiClient;
  disabledReason: string | null;
}) {
  const [open, setOpen] = useState(false);
  if (open) return <BackupsPanel {...props} />;
  return (
    <section className="panel" aria-labelledby="backups-tab-title">
      <h3 id="backups-tab-title">Backups</h3>
      <button type="button" aria-expanded={false} onClick={() => setOpen(true)}>
        Show backups
      </button>
    </section>
  );
}
