import { useEffect, useState } from 'react';
import { useClient, type ListResponse } from '../../api';

/** The value of a picker that stands for "a new one, named in the field below". */
const NEW = '\u0000new';

interface Named {
  name: string;
}

/**
 * Domain and project of a new database: picked from those that exist, so that a typo cannot found
 * a tenant by accident. A new one is an explicit choice ("New domain…") with its own name field.
 * When the lists cannot be read (an older engine, no right to list them), both are plain fields.
 */
export function TenancyFields({
  domain,
  project,
  onChange,
}: {
  domain: string;
  project: string;
  onChange: (patch: { domain?: string; project?: string }) => void;
}) {
  const client = useClient();
  const [domains, setDomains] = useState<Named[] | null | 'unavailable'>(null);
  const [projects, setProjects] = useState<Named[] | null | 'unavailable'>(null);
  const [newDomain, setNewDomain] = useState(false);
  const [newProject, setNewProject] = useState(false);

  useEffect(() => {
    let live = true;
    client.request<ListResponse<Named>>('GET', '/api/v1/domains?limit=500').then(
      (answer) => {
        if (!live) return;
        setDomains(answer.items);
        const known = answer.items.some((d) => d.name === domain);
        if (answer.items.length === 0) setNewDomain(true);
        else if (!known) onChange({ domain: answer.items[0]!.name, project: '' });
      },
      () => live && setDomains('unavailable'),
    );
    return () => {
      live = false;
    };
    // Read once per client; the choice itself is the parent's state.
  }, [client]);

  const listedDomain = Array.isArray(domains) && !newDomain && domain !== '';
  useEffect(() => {
    if (!listedDomain) {
      setProjects(null);
      setNewProject(Array.isArray(domains));
      return;
    }
    let live = true;
    setProjects(null);
    client
      .request<ListResponse<Named>>(
        'GET',
        `/api/v1/domains/${encodeURIComponent(domain)}/projects?limit=500`,
      )
      .then(
        (answer) => {
          if (!live) return;
          setProjects(answer.items);
          setNewProject(answer.items.length === 0);
          if (!answer.items.some((p) => p.name === project))
            onChange({ project: answer.items[0]?.name ?? '' });
        },
        () => live && setProjects('unavailable'),
      );
    return () => {
      live = false;
    };
  }, [client, domain, listedDomain]);

  return (
    <>
      <Picker
        label="Domain"
        items={domains}
        value={domain}
        isNew={newDomain}
        newLabel="New domain…"
        onPick={(name) => {
          setNewDomain(name === NEW);
          onChange({ domain: name === NEW ? '' : name, project: '' });
        }}
        onType={(name) => onChange({ domain: name })}
      />
      <Picker
        label="Project"
        items={newDomain ? [] : projects}
        value={project}
        isNew={newProject || newDomain}
        newLabel="New project…"
        onPick={(name) => {
          setNewProject(name === NEW);
          onChange({ project: name === NEW ? '' : name });
        }}
        onType={(name) => onChange({ project: name })}
      />
    </>
  );
}

/** A list of existing names plus "new…", and the name field of a new one. */
function Picker({
  label,
  items,
  value,
  isNew,
  newLabel,
  onPick,
  onType,
}: {
  label: string;
  items: Named[] | null | 'unavailable';
  value: string;
  isNew: boolean;
  newLabel: string;
  onPick: (name: string) => void;
  onType: (name: string) => void;
}) {
  if (items === 'unavailable') {
    return (
      <label>
        {label}
        <input value={value} onChange={(e) => onType(e.target.value)} />
      </label>
    );
  }
  return (
    <>
      <label>
        {label}
        <select
          value={isNew ? NEW : value}
          onChange={(e) => onPick(e.target.value)}
          disabled={items === null}
        >
          {items === null && <option value={value}>loading…</option>}
          {items?.map((item) => (
            <option key={item.name} value={item.name}>
              {item.name}
            </option>
          ))}
          <option value={NEW}>{newLabel}</option>
        </select>
      </label>
      {isNew && (
        <label>
          {`New ${label.toLowerCase()} name`}
          <input value={value} onChange={(e) => onType(e.target.value)} placeholder="team-a" />
        </label>
      )}
    </>
  );
}
