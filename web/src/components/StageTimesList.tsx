import type { StageTimes } from "../api/types";

const STAGES: Array<[keyof StageTimes, string]> = [
  ["scored_at", "scored"],
  ["stored_at", "stored"],
  ["published_at", "published"],
];

/** Milliseconds from the edge receiving the transaction to each later stage. */
export function StageTimesList({ times }: { times: StageTimes }) {
  const start = Date.parse(times.received_at ?? "");
  if (Number.isNaN(start)) return null;
  return (
    <ul className="stage-times">
      {STAGES.map(([key, label]) => {
        const at = Date.parse(times[key] ?? "");
        return (
          <li key={key}>
            {label} <strong>{Number.isNaN(at) ? "—" : `+${at - start} ms`}</strong>
          </li>
        );
      })}
    </ul>
  );
}
