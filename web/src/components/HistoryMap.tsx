import type { Decision } from "../api/types";

interface Props {
  transactions: readonly Decision[];
  currentId: string;
}

const WIDTH = 320;
const HEIGHT = 180;
const PAD = 14;

type Point = { id: string; lat: number; lon: number; decision: Decision["decision"]; city: string };

/**
 * Where the user's recent transactions happened, as points on a plain longitude/latitude plane
 * fitted to them, joined in time order. No map tiles: the console must work offline, and the
 * jumps between places are what an analyst looks for, not the streets.
 */
export function HistoryMap({ transactions, currentId }: Props) {
  const points: Point[] = transactions
    .filter((t) => typeof t.location?.lat === "number" && typeof t.location?.lon === "number")
    .map((t) => ({ id: t.id, lat: t.location.lat!, lon: t.location.lon!, decision: t.decision, city: t.location.city }))
    .reverse(); // oldest first, so the line follows time
  if (points.length === 0) return null;

  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const span = (values: number[]) => Math.max(1, Math.max(...values) - Math.min(...values));
  const latSpan = span(lats);
  const lonSpan = span(lons);
  const minLat = Math.min(...lats) - (latSpan - (Math.max(...lats) - Math.min(...lats))) / 2;
  const minLon = Math.min(...lons) - (lonSpan - (Math.max(...lons) - Math.min(...lons))) / 2;
  const x = (lon: number) => PAD + ((lon - minLon) / lonSpan) * (WIDTH - 2 * PAD);
  const y = (lat: number) => HEIGHT - PAD - ((lat - minLat) / latSpan) * (HEIGHT - 2 * PAD);

  return (
    <figure className="history-map">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Map of ${points.length} recent locations`}>
        <rect className="map-background" x={0} y={0} width={WIDTH} height={HEIGHT} rx={6} />
        <polyline className="map-path" points={points.map((p) => `${x(p.lon)},${y(p.lat)}`).join(" ")} />
        {points.map((p) => (
          <circle
            key={p.id}
            className={`map-point map-point-${p.decision.toLowerCase()}${p.id === currentId ? " map-point-current" : ""}`}
            cx={x(p.lon)}
            cy={y(p.lat)}
            r={p.id === currentId ? 7 : 4}
          >
            <title>{`${p.city || "unknown"} (${p.lat.toFixed(2)}, ${p.lon.toFixed(2)})`}</title>
          </circle>
        ))}
      </svg>
      <figcaption className="hint">
        Recent locations, oldest to newest; the larger point is this transaction. Lat {minLat.toFixed(1)}–
        {(minLat + latSpan).toFixed(1)}, lon {minLon.toFixed(1)}–{(minLon + lonSpan).toFixed(1)}.
      </figcaption>
    </figure>
  );
}
