// The shell: navigation, login when auth is on, and the page for the current address.
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, onUnauthorized, setToken } from "./lib/api";
import { Link } from "./lib/Link";
import { match, usePath } from "./lib/router";
import type { MeOut } from "./lib/types";
import { DeadLettersPage } from "./pages/DeadLettersPage";
import { EntitiesPage } from "./pages/EntitiesPage";
import { EntityPage } from "./pages/EntityPage";
import { FeedPage } from "./pages/FeedPage";
import { FleetPage } from "./pages/FleetPage";
import { LoginPage } from "./pages/LoginPage";
import { MachinePage } from "./pages/MachinePage";
import { MachinesPage } from "./pages/MachinesPage";

const NAV: [string, string][] = [
  ["/machines", "Machines"],
  ["/entities", "Entities"],
  ["/feed", "Live feed"],
  ["/fleet", "Fleet"],
  ["/dead-letters", "Dead letters"],
];

function Page({ path, params }: { path: string; params: URLSearchParams }) {
  let m: Record<string, string> | null;
  if (path === "/" || path === "/machines") return <MachinesPage />;
  if (path === "/machines/new") return <MachinePage machineId={null} version={null} />;
  if ((m = match("/machines/:id", path))) {
    const version = params.get("version");
    return <MachinePage key={m.id} machineId={m.id!} version={version ? Number(version) : null} />;
  }
  if (path === "/entities") return <EntitiesPage params={params} />;
  if ((m = match("/entities/:id", path))) return <EntityPage key={m.id} entityId={m.id!} />;
  if (path === "/feed") return <FeedPage params={params} />;
  if (path === "/fleet") return <FleetPage />;
  if (path === "/dead-letters") return <DeadLettersPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing at this address. <Link to="/machines">Go to the machines</Link>.
      </p>
    </section>
  );
}

export function App() {
  const [path, params] = usePath();
  const [me, setMe] = useState<MeOut | null>(null);
  const [needLogin, setNeedLogin] = useState(false);
  const [checked, setChecked] = useState(false);

  const check = () =>
    get<MeOut>("/auth/me")
      .then((who) => {
        setMe(who);
        setNeedLogin(false);
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setNeedLogin(true);
      })
      .finally(() => setChecked(true));

  useEffect(() => {
    void check();
    return onUnauthorized(() => setNeedLogin(true));
  }, []);

  const section = "/" + (path.split("/")[1] ?? "");
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <Link to="/machines" class="brand">PyStator</Link>
        <nav aria-label="Main">
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} class={section === to || (to === "/machines" && section === "/") ? "current" : ""}>
              {label}
            </Link>
          ))}
        </nav>
        <div class="who">
          {me?.auth_enabled && !needLogin && (
            <>
              <span>{me.name}</span>
              <button
                type="button"
                onClick={() => {
                  setToken(null);
                  setMe(null);
                  setNeedLogin(true);
                }}
              >
                Log out
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {needLogin ? <LoginPage onLoggedIn={() => void check()} /> : checked ? <Page path={path} params={params} /> : null}
      </main>
    </>
  );
}
