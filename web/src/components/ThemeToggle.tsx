import { useEffect, useState } from "react";
import { applyTheme, loadTheme, nextTheme, type ThemeChoice } from "../theme";

const LABEL: Record<ThemeChoice, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(() => loadTheme(safeStorage()));
  useEffect(() => applyTheme(choice, document.documentElement, safeStorage()), [choice]);
  return (
    <button type="button" className="theme-toggle" onClick={() => setChoice(nextTheme(choice))}>
      {LABEL[choice]}
    </button>
  );
}

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage can be blocked by privacy settings; the theme then lasts the visit
  }
}
