import { useState } from 'react';
import {
  ApiError,
  type BackupsApi,
  type Database,
  type RestoreDrillRequest,
  type RestoreDrillResponse,
} from '../../api';
import { ErrorView } from '../../ui';

/** The API's field errors by path (`schedule`, `verify.sql`, ...); the rest stays with the form. */
function byField(error: unknown, fields: readonly string[]) {
  const details = error instanceof ApiError ? error.details : [];
  const field = (path: string) =>
    details
      .filter((d) => d.path === path)
      .map((d) => d.message)
      .join('; ');
  const other = details.filter((d) => !fields.includes(d.path));
  return { field, unplaced: other.length > 0 || details.length === 0 };
}

const FIELDS = ['databaseId', 'project', 'schedule', 'verify.sql'] as const;

/**
 * Creates a restore drill of a database or of a project (every database in it): a cron schedule
 * and, optionally, the SQL that verifies the scratch copy. Each error of the API is shown next to
 * the field it names.
 */
export function DrillForm({
  api,
  databases,
  disabledReason,
  onCreated,
}: {
  api: BackupsApi;
  databases: readonly Pick<Database, 'id' | 'name' | 'project' | 'status'>[];
  disabledReason: string | null;
  onCreated: (drill: RestoreDrillResponse) => void;
}) {
  const [scope, setScope] = useState<'database' | 'project'>('database');
  const [databaseId, setDatabaseId] = useState('');
  const [project, setProject] = useState('');
  const [schedule, setSchedule] = useState('0 4 * * 0');
  const [sql, setSql] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const live = databases.filter((d) => d.status !== 'DELETED');
  const projects = [...new Set(live.map((d) => d.project))].sort();
  const errors = byField(error, FIELDS);

  const submit = async () => {
    const body: RestoreDrillRequest = {
      ...(scope === 'database' ? { databaseId } : { project: project.trim() }),
      schedule: schedule.trim(),
      ...(sql.trim() ? { verify: { sql: sql.trim() } } : {}),
    };
    setBusy(true);
    setError(null);
    try {
      onCreated(await api.createDrill(body));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (path: (typeof FIELDS)[number], id: string) =>
    errors.field(path) ? (
      <p id={id} className="error-box" role="alert">
        {path}: {errors.field(path)}
      </p>
    ) : null;
  const invalid = (path: (typeof FIELDS)[number], id: string) =>
    errors.field(path) ? { 'aria-invalid': true, 'aria-describedby': id } : {};

  return (
    <form
      className="form"
      aria-label="New restore drill"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <fieldset>
        <legend>Drill</legend>
        <label className="inline">
          <input
            type="radio"
            name="drill-scope"
            checked={scope === 'database'}
            onChange={() => setScope('database')}
          />{' '}
          one database
        </label>{' '}
        <label className="inline">
          <input
            type="radio"
            name="drill-scope"
            checked={scope === 'project'}
            onChange={() => setScope('project')}
          />{' '}
          every database of a project
        </label>
      </fieldset>
      {scope === 'database' ? (
        <label>
          Database
          <select
            value={databaseId}
            onChange={(e) => setDatabaseId(e.target.value)}
            {...invalid('databaseId', 'drill-database-error')}
          >
            <option value="">choose a database</option>
            {live.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.project})
              </option>
            ))}
          </select>
        </label>
      ) : (
        <label>
          Project
          <input
            list="drill-projects"
            value={project}
            onChange={(e) => setProject(e.target.value)}
            {...invalid('project', 'drill-project-error')}
          />
          <datalist id="drill-projects">
            {projects.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
        </label>
      )}
      {fieldError('databaseId', 'drill-database-error')}
      {fieldError('project', 'drill-project-error')}
      <label>
        Drill schedule (cron)
        <input
          value={schedule}
          onChange={(e) => setSchedule(e.target.value)}
          {...invalid('schedule', 'drill-schedule-error')}
        />
      </label>
      {fieldError('schedule', 'drill-schedule-error')}
      <label>
        Verification SQL (optional; run read-only on the restored copy; without it, the row counts
        of the largest tables are compared with the source)
        <textarea
          rows={3}
          value={sql}
          onChange={(e) => setSql(e.target.value)}
          {...invalid('verify.sql', 'drill-sql-error')}
        />
      </label>
      {fieldError('verify.sql', 'drill-sql-error')}
      <p className="muted">
        The first run starts at once, later ones on the schedule: each restores the latest snapshot
        into a scratch database on the same cluster, verifies it through a port-forward (PostgreSQL,
        MySQL, MariaDB, Redis; MongoDB and Elasticsearch only by their Ready phase), records the
        time the restore took (RTO), and deletes the scratch database.
      </p>
      <div className="actions">
        <button type="submit" disabled={busy || disabledReason !== null}>
          {busy ? 'Creating…' : 'Create drill'}
        </button>
        {disabledReason && <span className="muted">{disabledReason}</span>}
      </div>
      {errors.unplaced && <ErrorView error={error} title="Drill not created" />}
    </form>
  );
}
