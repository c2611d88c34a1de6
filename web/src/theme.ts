export type ThemeChoice = "system" | "light" | "dark";

const STORAGE_KEY = "fraudmesh.theme";
const ORDER: ThemeChoice[] = ["system", "light", "dark"];

export function nextTheme(choice: ThemeChoice): ThemeChoice {
  return ORDER[(ORDER.indexOf(choice) + 1) % ORDER.length]!;
}

export function loadTheme(storage: Pick<Storage, "getItem"> | undefined): ThemeChoice {
  const saved = storage?.getItem(STORAGE_KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

/** "system" leaves the colours to prefers-color-scheme; the CSS reads data-theme otherwise. */
export function applyTheme(choice: ThemeChoice, root: HTMLElement, storage?: Pick<Storage, "setItem" | "removeItem">) {
  if (choice === "system") {
    delete root.dataset.theme;
    storage?.removeItem(STORAGE_KEY);
  } else {
    root.dataset.theme = choice;
    storage?.setItem(STORAGE_KEY, choice);
  }
}
