import type { ShadowScore } from "../api/types";
import { formatScore } from "../format";
import { DecisionBadge } from "./DecisionBadge";

export function ShadowScores({ scores }: { scores: readonly ShadowScore[] }) {
  if (scores.length === 0) return null;
  return (
    <table className="data-table">
      <caption>Shadow models (not used for the decision)</caption>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Score</th>
          <th scope="col">Would decide</th>
        </tr>
      </thead>
      <tbody>
        {scores.map((shadow) => (
          <tr key={shadow.model_version}>
            <td>
              <code>{shadow.model_version}</code>
            </td>
            <td className="number">{formatScore(shadow.score)}</td>
            <td>
              <DecisionBadge decision={shadow.decision} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
