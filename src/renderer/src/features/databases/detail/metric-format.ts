/** Binary units: memory is bought and limited in Ki/Mi/Gi, as Kubernetes quantities write it. */
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** At most three significant digits, no trailing zeros: 1, 1.5, 12.3, 512. */
function short(value: number): string {
  if (value === 0) return '0';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

/** Bytes in binary units: "512 B", "1.5 KiB", "256 MiB", "2 GiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${short(value)} ${BINARY_UNITS[unit]}`;
}

/** CPU in cores: millicores below one core ("250m"), cores from there ("1.5"). */
export function formatCores(cores: number): string {
  if (cores !== 0 && Math.abs(cores) < 1) return `${short(cores * 1000)}m`;
  return short(cores);
}

/** A sample value for an axis tick or a tooltip, by the series' unit. */
export function formatMetric(value: number, unit: string): string {
  if (/^bytes?$/i.test(unit)) return formatBytes(value);
  if (/^cores?$/i.test(unit)) return formatCores(value);
  return short(value);
}

/** The unit a chart's caption names: the formatted labels carry their own binary unit for bytes. */
export function captionUnit(unit: string): string {
  if (/^bytes?$/i.test(unit)) return 'KiB/MiB/GiB';
  if (/^cores?$/i.test(unit)) return 'cores';
  return unit;
}

/**
 * A y-axis wide enough for the longest label its unit can produce (about 7 px a character at the
 * chart's font size): "1000 MiB" for bytes, "1000m" for cores. Ticks are chosen by the chart, so the
 * width must not depend on the samples.
 */
export function axisWidth(unit: string): number {
  const longest = /^bytes?$/i.test(unit) ? 8 : /^cores?$/i.test(unit) ? 5 : 6;
  return 16 + longest * 7;
}

/**
 * Axis ticks for bytes at binary steps (0, 512 MiB, 1 GiB, 1.5 GiB), not at decimal ones that
 * read as 267 MiB: at most five ticks from 0 past `max`. Undefined without a positive maximum.
 */
export function byteTicks(max: number): number[] | undefined {
  if (!(max > 0) || !Number.isFinite(max)) return undefined;
  let unit = 1;
  while (unit * 1024 <= max) unit *= 1024;
  const steps = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    .map((factor) => factor * unit)
    .filter((step) => step >= 1);
  const step = steps.find((candidate) => max / candidate <= 4) ?? unit * 1024;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => i * step);
}
