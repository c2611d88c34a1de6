import { useSyncExternalStore } from "react";

// Hash routes: the edge serves web/dist as static files, and a hash route needs no server-side
// fallback to index.html, so a reload or a shared link to a transaction always works. A handful of
// pages do not justify a router library.

export type Route =
  | { page: "live" }
  | { page: "review" }
  | { page: "submit" }
  | { page: "models" }
  | { page: "transaction"; id: string }
  | { page: "dead-letters" }
  | { page: "dead-letter"; id: string }
  | { page: "trace"; traceId: string }
  | { page: "audit" }
  | { page: "cases" }
  | { page: "rules" }
  | { page: "lists" }
  | { page: "not-found"; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  if (path === "/" || path === "/live") return { page: "live" };
  if (path === "/review") return { page: "review" };
  if (path === "/submit") return { page: "submit" };
  if (path === "/models") return { page: "models" };
  if (path === "/dead-letters") return { page: "dead-letters" };
  if (path === "/audit") return { page: "audit" };
  if (path === "/cases") return { page: "cases" };
  if (path === "/rules") return { page: "rules" };
  if (path === "/lists") return { page: "lists" };
  const transaction = /^\/transactions\/([^/]+)$/.exec(path);
  if (transaction) return { page: "transaction", id: decodeURIComponent(transaction[1]!) };
  const trace = /^\/traces\/([0-9a-f]{32})$/.exec(path);
  if (trace) return { page: "trace", traceId: trace[1]! };
  const deadLetter = /^\/dead-letters\/([^/]+)$/.exec(path);
  if (deadLetter) return { page: "dead-letter", id: decodeURIComponent(deadLetter[1]!) };
  return { page: "not-found", path };
}

export function transactionHref(id: string): string {
  return `#/transactions/${encodeURIComponent(id)}`;
}

/** The console's own view of a trace (read through the edge from Jaeger). */
export function traceHref(traceId: string): string {
  return `#/traces/${encodeURIComponent(traceId)}`;
}

export function deadLetterHref(id: string): string {
  return `#/dead-letters/${encodeURIComponent(id)}`;
}

export function navigate(href: string): void {
  window.location.hash = href.replace(/^#/, "");
}

function subscribe(listener: () => void): () => void {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}
