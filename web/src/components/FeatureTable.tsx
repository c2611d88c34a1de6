import { formatNumber } from "../format";

export function FeatureTable({ features, highlighted }: { features: Record<string, number>; highlighted: Set<string> }) {
  const names = Object.keys(features).sort();
  if (names.length === 0) return <p className="empty">No feature values recorded.</p>;
  return (
    <table className="data-table feature-table">
      <caption className="visually-hidden">Feature values the model saw</caption>
      <thead>
        <tr>
          <th scope="col">Feature</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => (
          <tr key={name} className={highlighted.has(name) ? "highlight" : undefined}>
            <th scope="row">
              <code>{name}</code>
            </th>
            <td className="number">{formatNumber(features[name]!)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
