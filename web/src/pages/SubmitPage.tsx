import { TrafficControl } from "../components/TrafficControl";
import { TransactionForm } from "../components/TransactionForm";

export function SubmitPage() {
  return (
    <div className="page submit-page">
      <TransactionForm />
      <TrafficControl />
    </div>
  );
}
