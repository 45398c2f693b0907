import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { SignInPage } from './auth/sign-in.page';
import { useSessionState } from './auth/session';
import { PAGES } from './pages/registry';
import { Button } from './ui';

export const CONSOLE_BASE = '/console';

function Navigation() {
  const [location] = useLocation();
  return (
    <nav aria-label="Console">
      <ul>
        {PAGES.map((page) => {
          // A page's link stays marked on its sub-pages (/providers/prv_1 under Providers).
          const active = location === page.path || location.startsWith(`${page.path}/`);
          return (
            <li key={page.path}>
              <Link href={page.path} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
                {page.title}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function SignedIn() {
  const { session, signOut } = useSessionState();
  if (session === null) return null;
  return (
    <div className="layout">
      <header className="top-bar">
        <span className="brand">Switchboard</span>
        <span className="who">
          Tenant <code>{session.tenant}</code> · <span className={`role role-${session.role}`}>{session.role === 'admin' ? 'Admin' : 'Member (read-only)'}</span>
        </span>
        <Button onClick={signOut}>Sign out</Button>
      </header>
      <Navigation />
      <main className="content">
        <Switch>
          {PAGES.map((page) => (
            <Route key={page.path} path={page.path} nest component={page.component} />
          ))}
          <Route path="/">{PAGES[0] ? <Redirect to={PAGES[0].path} replace /> : null}</Route>
          <Route>
            <p>There is no page here. Pick one from the navigation.</p>
          </Route>
        </Switch>
      </main>
    </div>
  );
}

export function App() {
  const { session, restoring } = useSessionState();
  return (
    <Router base={CONSOLE_BASE}>
      {restoring ? <p className="loading">Loading…</p> : session === null ? <SignInPage /> : <SignedIn />}
    </Router>
  );
}
