import type { ApiErrorBody, Violation } from "./types";

/** An error answer from the edge, or a failure to reach it (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly violations: Violation[];

  constructor(status: number, body: Partial<ApiErrorBody>) {
    super(body.message || body.error || `request failed with HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = body.error ?? (status === 0 ? "network" : "unknown");
    this.violations = Array.isArray(body.violations) ? body.violations : [];
  }
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    const parsed: unknown = await response.json();
    if (parsed && typeof parsed === "object") body = parsed;
  } catch {
    // A proxy or a crashed edge can answer with HTML or nothing; the status still says enough.
  }
  return new ApiError(response.status, body);
}
