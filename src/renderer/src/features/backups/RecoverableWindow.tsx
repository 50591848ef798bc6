import { useState } from 'react';
import { formatTime } from '../../ui';
import { windowFraction } from './backup-format';

/**
 * The PITR window as a timeline from its earliest to its latest restorable time, with a slider
 * (one step a second) and a time field to pick the restore point.
 */
export function RecoverableWindow({
  window,
  snapshots,
  disabledReason,
  onRestoreAt,
}: {
  window: { from: string; to: string };
  /** Finish times of the snapshots, marked on the timeline. */
  snapshots: string[];
  disabledReason: string | null;
  onRestoreAt: (targetTime: string) => void;
}) {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  const span = Math.max(0, Math.round((to - from) / 1000));
  const [offset, setOffsetRaw] = useState(span);
  const [typed, setTyped] = useState<string | null>(null);
  const setOffset = (value: number) => setOffsetRaw(Math.min(span, Math.max(0, value)));
  const target = new Date(from + Math.min(offset, span) * 1000).toISOString();
  return (
    <div className="recoverable-window" data-testid="recoverable-window">
      <h4>Recoverable window</h4>
      <p>
        From <time dateTime={window.from}>{formatTime(window.from)}</time> to{' '}
        <time dateTime={window.to}>{formatTime(window.to)}</time>
      </p>
      <div
        className="timeline"
        aria-hidden="true"
        style={{ position: 'relative', height: '0.75rem', background: 'var(--accent, #2563eb)' }}
      >
        {snapshots.map((at) => (
          <span
            key={at}
            className="timeline-mark"
            style={{
              position: 'absolute',
              left: `${windowFraction(window, at) * 100}%`,
              top: 0,
              bottom: 0,
              width: 2,
              background: 'currentColor',
            }}
          />
        ))}
      </div>
      <label>
        Restore point
        <input
          type="range"
          min={0}
          max={span}
          step={1}
          value={Math.min(offset, span)}
          aria-valuetext={formatTime(target)}
          onChange={(e) => setOffset(Number(e.target.value))}
        />
      </label>
      <label>
        Restore point (UTC, ISO 8601)
        <input
          value={typed ?? target}
          onChange={(e) => {
            setTyped(e.target.value);
            const at = Date.parse(e.target.value);
            if (!Number.isNaN(at)) setOffset(Math.round((at - from) / 1000));
          }}
          onBlur={() => setTyped(null)}
        />
      </label>
      <button type="button" disabled={disabledReason !== null} onClick={() => onRestoreAt(target)}>
        Restore to this time…
      </button>
    </div>
  );
}
