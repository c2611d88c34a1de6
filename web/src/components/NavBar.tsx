import type { Route } from "../routing";
import { useServices } from "../services";

/** Each page and the route it cannot work without: a page the credential may not use is not shown. */
const LINKS: Array<{ href: string; label: string; page: Route["page"]; needs: string }> = [
  { href: "#/", label: "Live", page: "live", needs: "WEBSOCKET /api/ws" },
  { href: "#/review", label: "Review queue", page: "review", needs: "GET /api/transactions" },
  { href: "#/cases", label: "Cases", page: "cases", needs: "GET /api/cases" },
  { href: "#/rules", label: "Rules", page: "rules", needs: "GET /api/rules" },
  { href: "#/lists", label: "Lists", page: "lists", needs: "GET /api/lists" },
  { href: "#/submit", label: "Submit", page: "submit", needs: "POST /api/transaction" },
  { href: "#/models", label: "Models", page: "models", needs: "GET /api/models" },
  { href: "#/dead-letters", label: "Dead letters", page: "dead-letters", needs: "GET /api/dead-letters" },
  { href: "#/audit", label: "Audit", page: "audit", needs: "GET /api/audit" },
];

export function NavBar({ current }: { current: Route["page"] }) {
  const { allowed } = useServices();
  const shown = LINKS.filter((link) => allowed === undefined || allowed.has(link.needs));
  return (
    <nav aria-label="Main">
      <ul className="nav-list">
        {shown.map((link) => (
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
