import { useState } from "react";
import { DeadLetterList } from "../components/DeadLetterList";

// The hops that set records aside (the contract's DeadLetter.hop).
const HOPS = ["scoring", "store", "notify"];

export function DeadLettersPage() {
  const [hop, setHop] = useState("");
  const [notReplayed, setNotReplayed] = useState(false);
  return (
    <section className="page dead-letters-page" aria-labelledby="dead-letters-heading">
      <h2 id="dead-letters-heading">Dead letters</h2>
      <p className="hint">
        Records a hop could never accept, set aside so that they stop nobody else. Open one to see why and to
        replay its transaction.
      </p>
      <fieldset className="feed-filters">
        <legend className="visually-hidden">Filters</legend>
        <label className="checkbox">
          Hop{" "}
          <select value={hop} onChange={(event) => setHop(event.target.value)}>
            <option value="">every hop</option>
            {HOPS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={notReplayed} onChange={(event) => setNotReplayed(event.target.checked)} />
          not replayed yet
        </label>
      </fieldset>
      <DeadLetterList key={`${hop}|${String(notReplayed)}`} hop={hop} notReplayed={notReplayed} />
    </section>
  );
}
