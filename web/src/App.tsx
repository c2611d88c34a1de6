import { useEffect } from "react";
import { AlertBadge } from "./components/AlertBadge";
import { ConnectionIndicator } from "./components/ConnectionIndicator";
import { NavBar } from "./components/NavBar";
import { ThemeToggle } from "./components/ThemeToggle";
import { DeadLetterPage } from "./pages/DeadLetterPage";
import { AuditPage } from "./pages/AuditPage";
import { CasesPage } from "./pages/CasesPage";
import { DeadLettersPage } from "./pages/DeadLettersPage";
import { DetailPage } from "./pages/DetailPage";
import { LivePage } from "./pages/LivePage";
import { ListsPage } from "./pages/ListsPage";
import { ModelsPage } from "./pages/ModelsPage";
import { ReviewPage } from "./pages/ReviewPage";
import { RulesPage } from "./pages/RulesPage";
import { SubmitPage } from "./pages/SubmitPage";
import { TracePage } from "./pages/TracePage";
import { parseRoute, useHash, type Route } from "./routing";
import { useServices } from "./services";

export function App() {
  const { hub } = useServices();
  const route = parseRoute(useHash());

  useEffect(() => {
    hub.start();
    return () => hub.stop();
  }, [hub]);

  return (
    <>
      <a className="skip-link" href="#main" onClick={focusMain}>
        Skip to content
      </a>
      <header className="app-header">
        <h1 className="app-title">Fraud mesh</h1>
        <NavBar current={navPage(route)} />
        <div className="header-tools">
          <ConnectionIndicator />
          <AlertBadge />
          <ThemeToggle />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

/** The nav entry a page belongs to: a detail page to its list's. */
function navPage(route: Route): Route["page"] {
  if (route.page === "transaction" || route.page === "trace") return "live";
  if (route.page === "dead-letter") return "dead-letters";
  return route.page;
}

function focusMain(event: React.MouseEvent) {
  // The hash is the router's, so move focus by hand instead of following the link.
  event.preventDefault();
  document.getElementById("main")?.focus();
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "live":
      return <LivePage />;
    case "review":
      return <ReviewPage />;
    case "submit":
      return <SubmitPage />;
    case "models":
      return <ModelsPage />;
    case "transaction":
      return <DetailPage id={route.id} />;
    case "dead-letters":
      return <DeadLettersPage />;
    case "audit":
      return <AuditPage />;
    case "cases":
      return <CasesPage />;
    case "rules":
      return <RulesPage />;
    case "lists":
      return <ListsPage />;
    case "trace":
      return <TracePage key={route.traceId} traceId={route.traceId} />;
    case "dead-letter":
      // Keyed: another letter's page starts afresh rather than showing this one's state.
      return <DeadLetterPage key={route.id} id={route.id} />;
    case "not-found":
      return (
        <section className="page">
          <h2>Nothing here</h2>
          <p>
            No page at <code>{route.path}</code>. <a href="#/">Back to the live feed</a>.
          </p>
        </section>
      );
  }
}
