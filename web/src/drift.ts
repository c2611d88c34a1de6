/** The usual reading of a population stability index (fraudmodel/drift/stability.py has the same bands). */
export type DriftBand = "stable" | "moving" | "shifted";

export const MOVING = 0.1;
export const SHIFTED = 0.25;

export function driftBand(index: number): DriftBand {
  if (index > SHIFTED) return "shifted";
  if (index >= MOVING) return "moving";
  return "stable";
}
