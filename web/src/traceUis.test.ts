import { describe, expect, it } from "vitest";
import { traceUiLinks } from "./traceUis";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("traceUiLinks", () => {
  it("names no outside UI when the edge names none", () => {
    expect(traceUiLinks({ jaeger_url: "", zipkin_url: "" }, TRACE)).toEqual([]);
  });

  it("links Jaeger's /trace/ and Zipkin's /traces/ pages, with or without a trailing slash", () => {
    expect(traceUiLinks({ jaeger_url: "http://jaeger:16686/", zipkin_url: "http://127.0.0.1:9411/zipkin" }, TRACE)).toEqual([
      { name: "Jaeger", href: `http://jaeger:16686/trace/${TRACE}` },
      { name: "Zipkin", href: `http://127.0.0.1:9411/zipkin/traces/${TRACE}` },
    ]);
  });
});
