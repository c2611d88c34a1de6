import type { Channel, TransactionInput, Violation } from "../api/types";

export const FORM_FIELDS = [
  "user_id",
  "amount",
  "currency",
  "city",
  "country",
  "lat",
  "lon",
  "merchant_id",
  "channel",
  "occurred_at",
  "idempotency_key",
] as const;

export type FormField = (typeof FORM_FIELDS)[number];

export type FormValues = Record<FormField, string>;

export type FieldErrors = Partial<Record<FormField, string[]>>;

export interface MappedViolations {
  byField: FieldErrors;
  /** Violations that name no field of the form; shown above the submit button. */
  general: string[];
}

export const EMPTY_FORM: FormValues = {
  user_id: "",
  amount: "",
  currency: "USD",
  city: "",
  country: "",
  lat: "",
  lon: "",
  merchant_id: "",
  channel: "",
  occurred_at: "",
  idempotency_key: "",
};

const FIELD_BY_PATH: Record<string, FormField> = {
  user_id: "user_id",
  amount: "amount",
  "amount.minor_units": "amount",
  "amount.currency": "currency",
  currency: "currency",
  location: "city",
  "location.city": "city",
  "location.country": "country",
  "location.lat": "lat",
  "location.lon": "lon",
  merchant_id: "merchant_id",
  channel: "channel",
  occurred_at: "occurred_at",
  idempotency_key: "idempotency_key",
};

/** The form field a violation's path names, or null; tolerates a gRPC-style "transaction." prefix. */
export function fieldForPath(path: string): FormField | null {
  const trimmed = path.trim().replace(/^transaction\./, "");
  const exact = FIELD_BY_PATH[trimmed];
  if (exact) return exact;
  // "amount[...]" or a deeper path under a known field still belongs to that field.
  const head = trimmed.split(/[.[]/)[0] ?? "";
  return head === "location" ? null : (FIELD_BY_PATH[head] ?? null);
}

/** Puts each of the API's violations beside the field it names; the rest become general errors. */
export function mapViolations(violations: readonly Violation[]): MappedViolations {
  const byField: FieldErrors = {};
  const general: string[] = [];
  for (const violation of violations) {
    const field = fieldForPath(violation.field ?? "");
    const text = violation.message || violation.rule || "is not valid";
    if (field) (byField[field] ??= []).push(text);
    else general.push(violation.field ? `${violation.field}: ${text}` : text);
  }
  return { byField, general };
}

export interface BuiltRequest {
  input: TransactionInput;
  /** Problems found before sending: only ones the JSON body cannot even express (a non-number). */
  errors: FieldErrors;
}

function optionalNumber(raw: string, field: FormField, errors: FieldErrors): number | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    (errors[field] ??= []).push("must be a number");
    return undefined;
  }
  return value;
}

/**
 * Turns the form into the API's body. Range and format rules are left to the API, which owns them
 * (protovalidate rules beside the proto fields), so the console never disagrees with the server.
 */
export function buildTransactionInput(values: FormValues): BuiltRequest {
  const errors: FieldErrors = {};
  const input: TransactionInput = { user_id: values.user_id.trim(), amount: values.amount.trim() };
  const currency = values.currency.trim().toUpperCase();
  if (currency) input.currency = currency;
  const lat = optionalNumber(values.lat, "lat", errors);
  const lon = optionalNumber(values.lon, "lon", errors);
  const city = values.city.trim();
  const country = values.country.trim();
  if (city || country || lat !== undefined || lon !== undefined) {
    input.location = {
      ...(city ? { city } : {}),
      ...(country ? { country } : {}),
      ...(lat !== undefined ? { lat } : {}),
      ...(lon !== undefined ? { lon } : {}),
    };
  }
  if (values.merchant_id.trim()) input.merchant_id = values.merchant_id.trim();
  if (values.channel) input.channel = values.channel as Channel;
  if (values.occurred_at.trim()) {
    const when = new Date(values.occurred_at);
    if (Number.isNaN(when.getTime())) (errors.occurred_at ??= []).push("must be a date and time");
    else input.occurred_at = when.toISOString();
  }
  if (values.idempotency_key.trim()) input.idempotency_key = values.idempotency_key.trim();
  return { input, errors };
}
