import { useId } from "react";
import { DECISION_KINDS, type DecisionKind } from "../api/types";
import type { FeedFilter } from "../live/feedFilter";

interface Props {
  filter: FeedFilter;
  onChange: (filter: FeedFilter) => void;
}

function numberOrNull(text: string): number | null {
  if (text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

export function FeedFilters({ filter, onChange }: Props) {
  const id = useId();
  const toggleDecision = (kind: DecisionKind, on: boolean) =>
    onChange({
      ...filter,
      decisions: on ? [...filter.decisions, kind] : filter.decisions.filter((existing) => existing !== kind),
    });
  return (
    <fieldset className="feed-filters">
      <legend className="visually-hidden">Filter the feed</legend>
      <div className="filter-group" role="group" aria-label="Decision">
        {DECISION_KINDS.map((kind) => (
          <label key={kind} className="checkbox">
            <input
              type="checkbox"
              checked={filter.decisions.includes(kind)}
              onChange={(event) => toggleDecision(kind, event.target.checked)}
            />
            {kind}
          </label>
        ))}
        <label className="checkbox">
          <input
            type="checkbox"
            checked={filter.fraudOnly}
            onChange={(event) => onChange({ ...filter, fraudOnly: event.target.checked })}
          />
          Fraud only
        </label>
      </div>
      <label htmlFor={`${id}-user`}>User</label>
      <input
        id={`${id}-user`}
        type="search"
        value={filter.userId}
        placeholder="any"
        onChange={(event) => onChange({ ...filter, userId: event.target.value })}
      />
      <label htmlFor={`${id}-score`}>Min score</label>
      <input
        id={`${id}-score`}
        type="number"
        min={0}
        max={1}
        step={0.05}
        value={filter.minScore ?? ""}
        onChange={(event) => onChange({ ...filter, minScore: numberOrNull(event.target.value) })}
      />
      <label htmlFor={`${id}-min-amount`}>Amount from</label>
      <input
        id={`${id}-min-amount`}
        type="number"
        min={0}
        value={filter.minAmount ?? ""}
        onChange={(event) => onChange({ ...filter, minAmount: numberOrNull(event.target.value) })}
      />
      <label htmlFor={`${id}-max-amount`}>to</label>
      <input
        id={`${id}-max-amount`}
        type="number"
        min={0}
        value={filter.maxAmount ?? ""}
        onChange={(event) => onChange({ ...filter, maxAmount: numberOrNull(event.target.value) })}
      />
    </fieldset>
  );
}
