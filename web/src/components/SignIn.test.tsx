import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { SignIn } from "./SignIn";

describe("the sign-in page", () => {
  it("offers the edge's OIDC provider beside the API key, and leaves for it once", () => {
    const leave = vi.fn();
    const { unmount } = render(
      <SignIn problem={null} onSignIn={() => {}} provider={{ name: "sso.example.com/realms/fraudmesh", onSignIn: leave }} />,
    );
    const button = screen.getByRole("button", { name: "Sign in with sso.example.com/realms/fraudmesh" });
    fireEvent.click(button);
    fireEvent.click(button);
    expect(leave).toHaveBeenCalledTimes(1);
    expect(screen.getByLabelText("API key")).toBeDefined();
    expect(screen.queryByRole("alert")).toBeNull();
    unmount();
  });

  it("asks for a key only when the edge names no provider", () => {
    const signIn = vi.fn();
    const { unmount } = render(<SignIn problem={null} onSignIn={signIn} />);
    expect(screen.queryByRole("button", { name: /Sign in with/ })).toBeNull();
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: "  fm_key  " } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(signIn).toHaveBeenCalledWith("fm_key");
    unmount();
  });

  it("says why the last sign-in did not work", () => {
    const { unmount } = render(
      <SignIn
        problem="The sign-in provider refused the sign-in (access denied)."
        onSignIn={() => {}}
        provider={{ name: "sso.example.com", onSignIn: () => {} }}
      />,
    );
    expect(screen.getByRole("alert").textContent).toBe("The sign-in provider refused the sign-in (access denied).");
    unmount();
  });
});
