import type { Route } from "../routing";

const LINKS: Array<{ href: string; label: string; page: Route["page"] }> = [
  { href: "#/", label: "Live", page: "live" },
  { href: "#/review", label: "Review queue", page: "review" },
  { href: "#/submit", label: "Submit", page: "submit" },
  { href: "#/models", label: "Models", page: "models" },
  { href: "#/dead-letters", label: "Dead letters", page: "dead-letters" },
];

export function NavBar({ current }: { current: Route["page"] }) {
  return (
    <nav aria-label="Main">
      <ul className="nav-list">
        {LINKS.map((link) => (
          <li key={link.page}>
            <a href={link.href} aria-current={current === link.page ? "page" : undefined}>
              {link.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
