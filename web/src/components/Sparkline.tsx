// Charts are hand-drawn SVG: the console needs two small charts (a rate line and a histogram),
// which take a few lines each, follow the theme's CSS colours for free and add nothing to the
// bundle, where a charting library would bring its own styling and tens of kilobytes.

interface Props {
  series: readonly number[];
  overlay?: readonly number[];
  label: string;
  height?: number;
}

function path(values: readonly number[], max: number, width: number, height: number): string {
  if (values.length === 0) return "";
  const step = values.length > 1 ? width / (values.length - 1) : width;
  return values
    .map((value, index) => `${index === 0 ? "M" : "L"}${(index * step).toFixed(1)},${(height - (value / max) * height).toFixed(1)}`)
    .join(" ");
}

/** A line of per-second counts, with an optional second line (flagged decisions) drawn over it. */
export function Sparkline({ series, overlay, label, height = 60 }: Props) {
  const width = 300;
  const max = Math.max(1, ...series, ...(overlay ?? []));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label}>
        <path className="chart-area" d={`${path(series, max, width, height)} L${width},${height} L0,${height} Z`} />
        <path className="chart-line" d={path(series, max, width, height)} />
        {overlay && <path className="chart-line chart-line-flagged" d={path(overlay, max, width, height)} />}
      </svg>
      <figcaption>
        {label} <span className="chart-scale">(peak {max}/s)</span>
      </figcaption>
    </figure>
  );
}
