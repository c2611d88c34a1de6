import { useState, type FormEvent } from "react";
import { ApiError } from "../api/ApiError";
import { CHANNELS, type SubmitResult } from "../api/types";
import {
  buildTransactionInput,
  EMPTY_FORM,
  mapViolations,
  type FieldErrors,
  type FormField as FieldName,
  type FormValues,
} from "../form/transactionForm";
import { useServices } from "../services";
import { CityInput } from "./CityInput";
import { FormField } from "./FormField";
import { SubmitOutcome } from "./SubmitOutcome";

/** How long the edge may hold the request for the decision, so the form can show it at once. */
const WAIT_FOR_DECISION_MS = 3_000;

const TEXT_FIELDS: Array<{ name: FieldName; label: string; hint?: string; inputMode?: "decimal" | "text" }> = [
  { name: "user_id", label: "User" },
  { name: "amount", label: "Amount", hint: "in major units, e.g. 12.50", inputMode: "decimal" },
  { name: "currency", label: "Currency", hint: "ISO 4217 code" },
];

/**
 * One transaction, sent as typed. The API owns the rules (protovalidate on the proto fields), so the
 * form checks nothing itself beyond what JSON cannot carry, and shows each violation by its field.
 */
export function TransactionForm() {
  const { api } = useServices();
  const [values, setValues] = useState<FormValues>(EMPTY_FORM);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [result, setResult] = useState<SubmitResult | null>(null);
  const [sending, setSending] = useState(false);

  const set = (name: FieldName, value: string) => setValues((current) => ({ ...current, [name]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const built = buildTransactionInput(values);
    setResult(null);
    setGeneral([]);
    setErrors(built.errors);
    if (Object.keys(built.errors).length > 0) return;
    setSending(true);
    try {
      setResult(await api.submitTransaction(built.input, WAIT_FOR_DECISION_MS));
    } catch (error) {
      if (error instanceof ApiError && error.violations.length > 0) {
        const mapped = mapViolations(error.violations);
        setErrors(mapped.byField);
        setGeneral(mapped.general);
      } else {
        setGeneral([error instanceof Error ? error.message : String(error)]);
      }
    } finally {
      setSending(false);
    }
  };

  const text = (name: FieldName, label: string, hint?: string, inputMode?: "decimal" | "text") => (
    <FormField key={name} name={name} label={label} errors={errors[name]} hint={hint}>
      {(control) => (
        <input {...control} type="text" inputMode={inputMode} value={values[name]} onChange={(e) => set(name, e.target.value)} />
      )}
    </FormField>
  );

  return (
    <form className="transaction-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="submit-heading">
      <h2 id="submit-heading">Submit a transaction</h2>
      <div className="form-grid">
        {TEXT_FIELDS.map((field) => text(field.name, field.label, field.hint, field.inputMode))}
        <FormField name="city" label="City" errors={errors.city} hint="suggestions as you type">
          {(control) => (
            <CityInput
              control={control}
              value={values.city}
              onChange={(value) => set("city", value)}
              onPick={(city) => set("country", city.country)}
            />
          )}
        </FormField>
        {text("country", "Country")}
        {text("lat", "Latitude", "or give coordinates", "decimal")}
        {text("lon", "Longitude", undefined, "decimal")}
        {text("merchant_id", "Merchant")}
        <FormField name="channel" label="Channel" errors={errors.channel}>
          {(control) => (
            <select {...control} value={values.channel} onChange={(e) => set("channel", e.target.value)}>
              <option value="">(not given)</option>
              {CHANNELS.map((channel) => (
                <option key={channel} value={channel}>
                  {channel.replaceAll("_", " ")}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField name="occurred_at" label="Occurred at" errors={errors.occurred_at} hint="blank means now">
          {(control) => (
            <input {...control} type="datetime-local" step={1} value={values.occurred_at}
              onChange={(e) => set("occurred_at", e.target.value)} />
          )}
        </FormField>
        {text("idempotency_key", "Idempotency key", "repeat it to resubmit safely")}
      </div>
      {general.length > 0 && (
        <ul className="form-errors" role="alert" data-testid="form-errors">
          {general.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={sending} data-testid="submit-transaction">
          {sending ? "Sending…" : "Submit transaction"}
        </button>
        <button type="button" onClick={() => { setValues(EMPTY_FORM); setErrors({}); setGeneral([]); setResult(null); }}>
          Clear
        </button>
      </div>
      {result && <SubmitOutcome result={result} />}
    </form>
  );
}
