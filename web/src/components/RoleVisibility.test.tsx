import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { makeDecision } from "../test/fixtures";
import { renderWithServices } from "../test/renderWithServices";
import { LabelButtons } from "./LabelButtons";
import { NavBar } from "./NavBar";

// What /api/session lists for a viewer and for an analyst (edge/access_control.py, from proto/).
const VIEWER = new Set(["WEBSOCKET /api/ws", "GET /api/transactions", "GET /api/models", "GET /api/stats"]);
const ANALYST = new Set([...VIEWER, "POST /api/transactions/{transaction_id}/label"]);
const ADMIN = new Set([...ANALYST, "POST /api/transaction", "GET /api/dead-letters"]);

describe("what the signed-in role may not do is not shown", () => {
  it("shows a viewer only the pages a viewer may read", () => {
    const { unmount } = renderWithServices(<NavBar current="live" />, undefined, VIEWER);
    const links = screen.getAllByRole("link").map((link) => link.textContent);
    expect(links).toEqual(["Live", "Review queue", "Models"]);
    unmount();
  });

  it("shows the Cases page only to a credential that may list cases", () => {
    const { unmount } = renderWithServices(<NavBar current="live" />, undefined, new Set([...VIEWER, "GET /api/cases"]));
    expect(screen.getAllByRole("link").map((link) => link.textContent)).toEqual([
      "Live",
      "Review queue",
      "Cases",
      "Models",
    ]);
    unmount();
  });

  it("shows an admin every page", () => {
    const { unmount } = renderWithServices(<NavBar current="live" />, undefined, ADMIN);
    expect(screen.getAllByRole("link")).toHaveLength(5);
    unmount();
  });

  it("offers the label buttons to an analyst and not to a viewer", () => {
    const { unmount } = renderWithServices(
      <LabelButtons decision={makeDecision()} onLabelled={() => {}} />,
      undefined,
      VIEWER,
    );
    expect(screen.queryByRole("group", { name: /Label transaction/ })).toBeNull();
    unmount();
    const analyst = renderWithServices(
      <LabelButtons decision={makeDecision()} onLabelled={() => {}} />,
      undefined,
      ANALYST,
    );
    expect(screen.getByRole("group", { name: /Label transaction/ })).toBeDefined();
    analyst.unmount();
  });
});
