import { useMemo } from 'react';
import { pathShowsDrift, toYamlLines } from './yaml';

/** A manifest as YAML; lines that show a drifted field are highlighted and marked for screen readers. */
export function YamlView({
  value,
  driftPaths = [],
  label,
}: {
  value: unknown;
  driftPaths?: readonly string[];
  label: string;
}) {
  const lines = useMemo(() => toYamlLines(value), [value]);
  return (
    <pre className="yaml" aria-label={label} tabIndex={0}>
      {lines.map((line, index) => {
        const drifted = driftPaths.some((path) => pathShowsDrift(line.path, path));
        return (
          <span
            key={index}
            className={drifted ? 'yaml-line drift-line' : 'yaml-line'}
            data-drift={drifted || undefined}
          >
            {line.text}
            {drifted ? '   # drift' : ''}
            {'\n'}
          </span>
        );
      })}
    </pre>
  );
}
