/** The credential the console signs in with (an API key), kept for the browser tab only. */
const STORAGE_KEY = "fraudmesh.credential";
export const STREAM_PROTOCOL = "fraudmesh";

export interface SessionInfo {
  actor: string;
  roles: string[];
  access_control: boolean;
  allowed: string[];
}

export function storedCredential(storage: Storage): string | null {
  return storage.getItem(STORAGE_KEY);
}

export function storeCredential(storage: Storage, credential: string | null): void {
  if (credential) storage.setItem(STORAGE_KEY, credential);
  else storage.removeItem(STORAGE_KEY);
}

/** The request's headers with the credential added, when there is one. */
export function withCredential(init: RequestInit | undefined, credential: string | null): RequestInit | undefined {
  if (!credential) return init;
  const headers = new Headers(init?.headers);
  headers.set("Authorization", `Bearer ${credential}`);
  return { ...init, headers };
}

/** Browsers cannot set headers on a WebSocket: the credential travels as a subprotocol. */
export function streamProtocols(credential: string | null): string[] {
  return credential ? [STREAM_PROTOCOL, `bearer.${credential}`] : [];
}

/** Who the credential belongs to; null when the edge refuses it (or none was given). */
export async function readSession(
  fetchWithCredential: (input: string, init?: RequestInit) => Promise<Response>,
): Promise<SessionInfo | null> {
  const response = await fetchWithCredential("/api/session");
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`/api/session answered ${response.status}`);
  return (await response.json()) as SessionInfo;
}
