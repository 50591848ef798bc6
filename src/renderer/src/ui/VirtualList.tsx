import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';

export interface VirtualListProps {
  /** How many rows there are. */
  count: number;
  /** Every row's height in pixels (fixed, which keeps windowing exact and cheap). */
  rowHeight: number;
  /** The viewport's height in pixels. */
  height: number;
  /** Rows rendered beyond the visible ones on each side, so fast scrolling shows no gaps. */
  overscan?: number;
  /** Renders row `index`; the list positions it. */
  renderRow: (index: number) => ReactNode;
  /** Accessible name of the list. */
  label: string;
  /** Row key; the index when absent. */
  rowKey?: (index: number) => string;
}

/** Which rows a viewport shows: [first, last) with overscan, clamped to the rows there are. */
export function visibleRange(
  scrollTop: number,
  height: number,
  rowHeight: number,
  count: number,
  overscan: number,
): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

/**
 * A windowed list: only the rows in view (plus overscan) exist in the DOM, so 10,000 rows scroll
 * as smoothly as 50. A spacer of the full height keeps the scrollbar honest.
 */
export function VirtualList({
  count,
  rowHeight,
  height,
  overscan = 8,
  renderRow,
  label,
  rowKey,
}: VirtualListProps) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const frame = useRef<number | null>(null);

  const onScroll = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      setScrollTop(viewport.current?.scrollTop ?? 0);
    });
  }, []);

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  // A shorter list may leave the viewport scrolled past its end.
  useEffect(() => {
    const max = Math.max(0, count * rowHeight - height);
    if (scrollTop > max && viewport.current) {
      viewport.current.scrollTop = max;
      setScrollTop(max);
    }
  }, [count, rowHeight, height, scrollTop]);

  const [first, last] = visibleRange(scrollTop, height, rowHeight, count, overscan);
  const rows: ReactNode[] = [];
  for (let index = first; index < last; index++) {
    rows.push(
      <div
        key={rowKey ? rowKey(index) : index}
        role="row"
        aria-rowindex={index + 2}
        className="vrow"
        style={{
          position: 'absolute',
          top: index * rowHeight,
          height: rowHeight,
          left: 0,
          right: 0,
        }}
      >
        {renderRow(index)}
      </div>,
    );
  }
  return (
    <div
      ref={viewport}
      className="vlist"
      role="rowgroup"
      aria-label={label}
      tabIndex={0}
      onScroll={onScroll}
      style={{ height, overflowY: 'auto', position: 'relative' }}
      data-testid="virtual-list"
    >
      <div style={{ height: count * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
