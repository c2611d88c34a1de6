import { useEffect, useState } from "react";
import type { ConsoleConfig } from "../api/types";
import { useServices } from "../services";

/** The edge's settings for the console (the trace UIs' and the sign-in's addresses); empty until it answers. */
export function useConsoleConfig(): ConsoleConfig {
  const { api } = useServices();
  const [config, setConfig] = useState<ConsoleConfig>({ jaeger_url: "", zipkin_url: "", oidc_issuer: "", oidc_client_id: "" });
  useEffect(() => {
    let active = true;
    api
      .getConfig()
      .then((loaded) => active && setConfig(loaded))
      .catch(() => undefined); // without it the console only loses the trace link
    return () => {
      active = false;
    };
  }, [api]);
  return config;
}
