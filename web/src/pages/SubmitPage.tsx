import { SimulatorControl } from "../components/SimulatorControl";
import { TransactionForm } from "../components/TransactionForm";

export function SubmitPage() {
  return (
    <div className="page submit-page">
      <TransactionForm />
      <SimulatorControl />
    </div>
  );
}
