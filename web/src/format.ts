export function formatMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD" }).format(amount);
  } catch {
    // An unknown currency code still deserves to be shown.
    return `${amount.toFixed(2)} ${currency}`;
  }
}

export const formatScore = (score: number): string => score.toFixed(3);

export const formatPercent = (fraction: number, digits = 1): string => `${(fraction * 100).toFixed(digits)}%`;

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString(undefined, { hour12: false });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

export function formatLocation(location: { city?: string; country?: string } | null | undefined): string {
  if (!location) return "—";
  return [location.city, location.country].filter(Boolean).join(", ") || "—";
}

export function formatNumber(value: number, digits = 4): string {
  if (Number.isInteger(value)) return String(value);
  return Number(value.toPrecision(digits)).toString();
}
