import type { DeadLetterError } from "../api/types";

/** Why a hop set a record aside: the status it ended with and the fields it named. */
export function DeadLetterErrorView({ error }: { error: DeadLetterError }) {
  const violations = error.violations ?? [];
  return (
    <div data-testid="dead-letter-error">
      <p>
        <code>{error.code}</code> {error.message}
      </p>
      {violations.length > 0 && (
        <ul className="violations">
          {violations.map((violation, index) => (
            <li key={index}>
              <code>{violation.field || "(the record)"}</code>: {violation.message}{" "}
              <span className="hint">[{violation.rule}]</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
