import { createContext, useContext } from "react";
import type { Api } from "./api/client";
import type { LiveHub } from "./live/LiveHub";
import type { DesktopNotifier } from "./live/DesktopNotifier";

/** What the components need from outside React, handed in once by main.tsx (or by a test). */
export interface Services {
  api: Api;
  hub: LiveHub;
  notifier: DesktopNotifier | null;
}

/** Rendered as `<ServicesContext value={services}>` above everything that calls useServices. */
export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices needs a ServicesContext above it");
  return services;
}
