import { useEffect, useMemo, useRef, useState } from 'react';
import type { Database } from '../api';
import { useFleetStore } from '../stores';
import { lastKnownText, navigate, useDialogFocus } from '../ui';

interface Entry {
  label: string;
  hint: string;
  path: string;
}

const SCREENS: Entry[] = [
  { label: 'Fleet dashboard', hint: 'screen', path: '/' },
  { label: 'Databases', hint: 'screen', path: '/databases' },
  { label: 'New database', hint: 'screen', path: '/create' },
  { label: 'Clusters', hint: 'screen', path: '/clusters' },
  { label: 'Backups', hint: 'screen', path: '/backups' },
  { label: 'Operations', hint: 'screen', path: '/operations' },
  { label: 'Audit', hint: 'screen', path: '/audit' },
  { label: 'Settings', hint: 'screen', path: '/settings' },
];

/** The status as the palette shows it: UNKNOWN carries the last known status and its age. */
function statusHint(db: Database): string {
  const last = lastKnownText(db);
  return last ? `${db.status} (${last})` : db.status;
}

/** Ctrl/Cmd+K: jump to any database, cluster or screen by typing part of its name. */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const databases = useFleetStore((s) => s.databases);
  const providers = useFleetStore((s) => s.providers);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setOpen((o) => !o);
        setQuery('');
        setActive(0);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  // Focus goes to the input (the dialog's first field), stays in the dialog, and returns on close.
  useDialogFocus(box, () => setOpen(false), open);

  const results = useMemo(() => {
    if (!open) return [];
    const q = query.trim().toLowerCase();
    const out: Entry[] = SCREENS.filter((s) => s.label.toLowerCase().includes(q));
    for (const p of providers)
      if (p.name.includes(q)) out.push({ label: p.name, hint: 'cluster', path: '/clusters' });
    for (const db of databases.values()) {
      if (out.length >= 50) break;
      if (db.status !== 'DELETED' && db.name.includes(q))
        out.push({
          label: db.name,
          hint: `${db.engine} · ${db.namespace} · ${statusHint(db)}`,
          path: `/databases/${db.id}`,
        });
    }
    return out;
  }, [open, query, databases, providers]);

  if (!open) return null;
  const choose = (entry: Entry | undefined): void => {
    if (!entry) return;
    navigate(entry.path);
    setOpen(false);
  };
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => e.target === e.currentTarget && setOpen(false)}
    >
      <div
        ref={box}
        className="modal palette"
        role="dialog"
        aria-modal="true"
        aria-label="Go to"
        tabIndex={-1}
      >
        <input
          ref={input}
          aria-label="Go to a database, cluster or screen"
          placeholder="Go to…"
          value={query}
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-results"
          aria-activedescendant={results[active] ? `palette-${active}` : undefined}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setActive((a) => Math.min(results.length - 1, a + 1));
            else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
            else if (e.key === 'Enter') choose(results[active]);
            else if (e.key === 'Escape') setOpen(false);
            else return;
            e.preventDefault();
          }}
        />
        <ul id="palette-results" role="listbox" className="palette-list">
          {results.map((entry, i) => (
            <li
              key={`${entry.path}-${i}`}
              id={`palette-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={() => choose(entry)}
            >
              {entry.label} <span className="muted">{entry.hint}</span>
            </li>
          ))}
          {results.length === 0 && <li className="muted">Nothing matches.</li>}
        </ul>
      </div>
    </div>
  );
}
