/** One line of YAML and the dotted path of the value it shows. */
export interface YamlLine {
  text: string;
  path: string;
}

const PLAIN = /^[A-Za-z0-9_./-][A-Za-z0-9_./ :-]*$/;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const ambiguous =
    /^(true|false|null|yes|no|on|off|~|[-+]?[0-9.]+(e[0-9]+)?)$/i.test(text) ||
    text.includes(': ') ||
    text.endsWith(':');
  return text !== '' && PLAIN.test(text) && !ambiguous ? text : JSON.stringify(text);
}

function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

function emit(value: unknown, indent: string, path: string, out: YamlLine[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) return;
    value.forEach((item, index) => {
      const itemPath = join(path, index);
      if (item !== null && typeof item === 'object' && Object.keys(item as object).length > 0) {
        const nested: YamlLine[] = [];
        emit(item, `${indent}  `, itemPath, nested);
        const [head, ...rest] = nested;
        if (head)
          out.push({ text: `${indent}- ${head.text.trimStart()}`, path: head.path }, ...rest);
      } else {
        out.push({ text: `${indent}- ${scalar(item)}`, path: itemPath });
      }
    });
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = join(path, key);
      const isEmpty =
        child !== null && typeof child === 'object' && Object.keys(child).length === 0;
      if (child !== null && typeof child === 'object' && !isEmpty) {
        out.push({ text: `${indent}${key}:`, path: childPath });
        emit(child, Array.isArray(child) ? indent : `${indent}  `, childPath, out);
      } else {
        out.push({
          text: `${indent}${key}: ${isEmpty ? (Array.isArray(child) ? '[]' : '{}') : scalar(child)}`,
          path: childPath,
        });
      }
    }
    return;
  }
  out.push({ text: `${indent}${scalar(value)}`, path });
}

/** A JSON value as YAML lines, each with the path it shows (for highlighting). */
export function toYamlLines(value: unknown): YamlLine[] {
  const out: YamlLine[] = [];
  emit(value, '', '', out);
  return out;
}

/** A JSON value as YAML text. */
export function toYaml(value: unknown): string {
  return toYamlLines(value)
    .map((line) => line.text)
    .join('\n');
}

/**
 * Whether a manifest path shows a drift entry. Drift paths are in the Database's terms
 * (`replicas`, `version`, `resources.cpu`, `storage.size`, `halted`), manifests in KubeDB's.
 */
export function pathShowsDrift(manifestPath: string, driftPath: string): boolean {
  switch (driftPath) {
    case 'replicas':
      return manifestPath === 'spec.replicas' || /^spec\..*\.replicas$/.test(manifestPath);
    case 'version':
      return manifestPath === 'spec.version';
    case 'halted':
      return manifestPath === 'spec.halted';
    case 'storage.size':
      return /^spec\.(.*\.)?storage\.resources\.requests\.storage$/.test(manifestPath);
    case 'resources.cpu':
      return /resources\.(requests|limits)\.cpu$/.test(manifestPath);
    case 'resources.memory':
      return /resources\.(requests|limits)\.memory$/.test(manifestPath);
    default:
      return manifestPath === `spec.${driftPath}` || manifestPath.endsWith(`.${driftPath}`);
  }
}
