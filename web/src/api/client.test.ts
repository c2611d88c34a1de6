import { describe, expect, it, vi } from "vitest";
import { createApi } from "./client";

function recordingFetch(body: unknown) {
  const calls: { url: string; method: string; body?: string }[] = [];
  const fetchImpl = vi.fn((url: string, init?: RequestInit) => {
    calls.push({ url, method: init?.method ?? "GET", body: typeof init?.body === "string" ? init.body : undefined });
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } }));
  });
  return { calls, fetchImpl };
}

describe("the edge's client", () => {
  it("asks for city suggestions by prefix, as scoring's SuggestCities names it", async () => {
    const city = { name: "São Paulo", country: "BR", lat: -23.5, lon: -46.6 };
    const { calls, fetchImpl } = recordingFetch({ cities: [city] });
    const cities = await createApi(fetchImpl).suggestCities("são p");
    expect(cities).toEqual([city]);
    expect(calls).toEqual([{ url: "/api/geo/cities?prefix=s%C3%A3o+p", method: "GET", body: undefined }]);
  });

  it("drives the traffic control at /api/traffic", async () => {
    const { calls, fetchImpl } = recordingFetch({});
    const api = createApi(fetchImpl, "http://edge");
    await api.getTraffic();
    await api.startTraffic(50, 300);
    await api.startTraffic(5);
    await api.stopTraffic();
    expect(calls).toEqual([
      { url: "http://edge/api/traffic", method: "GET", body: undefined },
      { url: "http://edge/api/traffic", method: "POST", body: JSON.stringify({ rate: 50, users: 300 }) },
      { url: "http://edge/api/traffic", method: "POST", body: JSON.stringify({ rate: 5 }) },
      { url: "http://edge/api/traffic", method: "DELETE", body: undefined },
    ]);
  });

  it("reads the rules now, or as they were at a rule-set version", async () => {
    const { calls, fetchImpl } = recordingFetch({ rules: [], rule_set_version: 3 });
    const api = createApi(fetchImpl);
    await api.listRules();
    await api.listRules(3);
    expect(calls.map((call) => call.url)).toEqual(["/api/rules", "/api/rules?at_version=3"]);
  });
});
