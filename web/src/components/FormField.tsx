import type { ReactNode } from "react";

export interface FieldControlProps {
  id: string;
  name: string;
  "aria-invalid": boolean;
  "aria-describedby"?: string;
}

interface Props {
  name: string;
  label: string;
  errors?: string[];
  hint?: string;
  children: (control: FieldControlProps) => ReactNode;
}

/** A label, its control and the errors the API gave for it, tied together for screen readers. */
export function FormField({ name, label, errors = [], hint, children }: Props) {
  const id = `field-${name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [errors.length > 0 ? errorId : "", hint ? hintId : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`form-field${errors.length > 0 ? " form-field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, "aria-invalid": errors.length > 0, "aria-describedby": describedBy })}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
      {errors.length > 0 && (
        <span id={errorId} className="field-error" data-testid={`field-error-${name}`} role="alert">
          {errors.join("; ")}
        </span>
      )}
    </div>
  );
}
