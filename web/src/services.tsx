import { createContext, useContext, type ReactNode } from "react";
import type { Api } from "./api/client";
import type { LiveHub } from "./live/LiveHub";
import type { DesktopNotifier } from "./live/DesktopNotifier";

/** What the components need from outside React, handed in once by main.tsx (or by a test). */
export interface Services {
  api: Api;
  hub: LiveHub;
  notifier: DesktopNotifier | null;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices needs a ServicesProvider above it");
  return services;
}
