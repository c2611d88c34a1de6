interface Props {
  counts: readonly number[];
  label: string;
  height?: number;
}

/** Bars over equal bins of 0..1; bins at or past 0.5 are coloured as risky. Hand-drawn SVG, see Sparkline. */
export function Histogram({ counts, label, height = 60 }: Props) {
  const width = 300;
  const max = Math.max(1, ...counts);
  const barWidth = width / Math.max(1, counts.length);
  const total = counts.reduce((sum, count) => sum + count, 0);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`${label}: ${counts.join(", ")}`}>
        {counts.map((count, index) => {
          const barHeight = (count / max) * height;
          const risky = (index + 0.5) / counts.length >= 0.5;
          return (
            <rect
              key={index}
              className={risky ? "chart-bar chart-bar-risky" : "chart-bar"}
              x={index * barWidth + 1}
              y={height - barHeight}
              width={Math.max(1, barWidth - 2)}
              height={barHeight}
            >
              <title>{`${(index / counts.length).toFixed(1)}–${((index + 1) / counts.length).toFixed(1)}: ${count}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption>
        {label} <span className="chart-scale">({total} scores, 0 → 1)</span>
      </figcaption>
    </figure>
  );
}
