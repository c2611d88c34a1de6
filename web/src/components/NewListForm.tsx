import { useState } from "react";
import { ApiError } from "../api/ApiError";
import type { RuleList, RuleListKind } from "../api/types";
import { RULE_LIST_KINDS } from "../api/types";
import { useServices } from "../services";
import { FormField } from "./FormField";

type Key = "name" | "kind" | "field" | "description";
type Errors = Partial<Record<Key, string[]>>;
const KEYS: readonly Key[] = ["name", "kind", "field", "description"];

interface Props {
  onCreated: (list: RuleList) => void;
}

/** Where the edge's refusal goes: a violation beside the field it names, a taken name beside the name,
 * anything else above the form. */
function placed(caught: unknown): { errors: Errors; general: string | null } {
  if (!(caught instanceof ApiError)) return { errors: {}, general: caught instanceof Error ? caught.message : String(caught) };
  if (caught.code === "already_exists") return { errors: { name: [caught.message] }, general: null };
  const errors: Errors = {};
  const unplaced: string[] = [];
  for (const violation of caught.violations) {
    const key = KEYS.find((k) => k === violation.field);
    if (key) errors[key] = [...(errors[key] ?? []), violation.message];
    else unplaced.push(`${violation.field}: ${violation.message}`);
  }
  const general = unplaced.length ? unplaced.join("; ") : caught.violations.length ? null : caught.message;
  return { errors, general };
}

/** A new allow, block or reference list: `lists.<name>` in a rule. */
export function NewListForm({ onCreated }: Props) {
  const { api } = useServices();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<RuleListKind>("BLOCK");
  const [field, setField] = useState("");
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    setErrors({});
    setGeneral(null);
    try {
      const created = await api.createList({ name: name.trim(), kind, field: field.trim() || null, description });
      setName("");
      setField("");
      setDescription("");
      onCreated(created);
    } catch (caught) {
      const refusal = placed(caught);
      setErrors(refusal.errors);
      setGeneral(refusal.general);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="list-new"
      aria-label="New list"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void create();
      }}
    >
      <h3>New list</h3>
      {general && (
        <p className="field-error" role="alert">
          {general}
        </p>
      )}
      <FormField name="list_name" label="Name" errors={errors.name} hint="lists.<name> in a rule: a-z, 0-9 and _">
        {(control) => <input {...control} maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />}
      </FormField>
      <FormField name="list_kind" label="Kind" errors={errors.kind}>
        {(control) => (
          <select {...control} value={kind} onChange={(e) => setKind(e.target.value as RuleListKind)}>
            {RULE_LIST_KINDS.map((k) => (
              <option key={k} value={k}>
                {k.toLowerCase()}
              </option>
            ))}
          </select>
        )}
      </FormField>
      <FormField
        name="list_field"
        label="Transaction field"
        errors={errors.field}
        hint="allow and block lists: the field it matches, e.g. merchant_id; none for a reference list"
      >
        {(control) => <input {...control} maxLength={32} value={field} onChange={(e) => setField(e.target.value)} />}
      </FormField>
      <FormField name="list_description" label="Description" errors={errors.description}>
        {(control) => (
          <input {...control} maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />
        )}
      </FormField>
      <button type="submit" disabled={busy || !name.trim()}>
        Create list
      </button>
    </form>
  );
}
