import { createContext, useContext } from "react";
import type { Api } from "./api/client";
import type { LiveHub } from "./live/LiveHub";
import type { DesktopNotifier } from "./live/DesktopNotifier";

/** What the components need from outside React, handed in once by main.tsx (or by a test). */
export interface Services {
  api: Api;
  hub: LiveHub;
  notifier: DesktopNotifier | null;
  /** The routes the signed-in credential may use ("METHOD /path"); absent: everything (no sign-in). */
  allowed?: ReadonlySet<string>;
}

/** Rendered as `<ServicesContext value={services}>` above everything that calls useServices. */
export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices needs a ServicesContext above it");
  return services;
}

/** Whether the signed-in credential may use a route, e.g. "POST /api/keys": what the console hides. */
export function useAllowed(route: string): boolean {
  const { allowed } = useServices();
  return allowed === undefined || allowed.has(route);
}
