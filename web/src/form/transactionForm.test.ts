import { describe, expect, it } from "vitest";
import { buildTransactionInput, EMPTY_FORM, fieldForPath, mapViolations } from "./transactionForm";

describe("mapping the API's violations to the form", () => {
  it("puts each violation beside the field its path names", () => {
    const mapped = mapViolations([
      { field: "amount", rule: "double.gt", message: "must be greater than 0" },
      { field: "location.lat", rule: "double.gte_lte", message: "must be greater than or equal to -90 and less than or equal to 90" },
      { field: "location.lon", rule: "double.gte_lte", message: "must be between -180 and 180" },
      { field: "user_id", rule: "string.pattern", message: "does not match pattern" },
      { field: "user_id", rule: "string.min_len", message: "must be at least 1 characters" },
      { field: "currency", rule: "string.pattern", message: "must be three capital letters" },
      { field: "occurred_at", rule: "timestamp.not_future", message: "must not be more than 5 minutes in the future" },
    ]);
    expect(mapped.byField).toEqual({
      amount: ["must be greater than 0"],
      lat: ["must be greater than or equal to -90 and less than or equal to 90"],
      lon: ["must be between -180 and 180"],
      user_id: ["does not match pattern", "must be at least 1 characters"],
      currency: ["must be three capital letters"],
      occurred_at: ["must not be more than 5 minutes in the future"],
    });
    expect(mapped.general).toEqual([]);
  });

  it("understands the proto's nested names and a gRPC-style prefix", () => {
    expect(fieldForPath("amount.minor_units")).toBe("amount");
    expect(fieldForPath("amount.currency")).toBe("currency");
    expect(fieldForPath("transaction.merchant_id")).toBe("merchant_id");
    expect(fieldForPath("location.city")).toBe("city");
    expect(fieldForPath("location")).toBe("city");
  });

  it("keeps violations of fields the form lacks as general errors naming the field", () => {
    const mapped = mapViolations([
      { field: "location.altitude", rule: "x", message: "is unknown" },
      { field: "", rule: "required", message: "body is required" },
    ]);
    expect(mapped.byField).toEqual({});
    expect(mapped.general).toEqual(["location.altitude: is unknown", "body is required"]);
  });

  it("falls back to the rule when a violation has no message", () => {
    expect(mapViolations([{ field: "amount", rule: "double.gt", message: "" }]).byField.amount).toEqual(["double.gt"]);
  });
});

describe("building the request body from the form", () => {
  it("sends what was filled in, the amount as typed, and a location object", () => {
    const { input, errors } = buildTransactionInput({
      ...EMPTY_FORM,
      user_id: " alice ",
      amount: "12.30",
      currency: "eur",
      city: "Paris",
      lat: "48.85",
      lon: "2.35",
      channel: "contactless",
    });
    expect(errors).toEqual({});
    expect(input).toEqual({
      user_id: "alice",
      amount: "12.30",
      currency: "EUR",
      location: { city: "Paris", lat: 48.85, lon: 2.35 },
      channel: "contactless",
    });
  });

  it("leaves range checks to the API but cannot send a coordinate that is not a number", () => {
    const { input, errors } = buildTransactionInput({ ...EMPTY_FORM, user_id: "u", amount: "-5", lat: "north", lon: "500" });
    expect(errors).toEqual({ lat: ["must be a number"] });
    expect(input.amount).toBe("-5");
    expect(input.location).toEqual({ lon: 500 });
  });
});
