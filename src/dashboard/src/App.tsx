/** The shell: who is signed in, the navigation for that role, and which page the path names. */
import { useEffect, useState } from 'react';
import { api, request, setSession, whenSignedOut, type SessionInfo } from './api.ts';
import { viewerTimeZone } from './format.ts';
import { Link, navigate, useLocation } from './router.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Overview } from './pages/Overview.tsx';
import { Accounts } from './pages/Accounts.tsx';
import { AccountDetail } from './pages/AccountDetail.tsx';
import { Keys } from './pages/Keys.tsx';
import { Logs } from './pages/Logs.tsx';
import { Models } from './pages/Models.tsx';
import { Audit } from './pages/Audit.tsx';
import { Status } from './pages/Status.tsx';
import { Billing } from './pages/Billing.tsx';
import { Playground } from './pages/Playground.tsx';

const ADMIN_NAV: Array<[string, string]> = [
  ['/admin', 'Overview'],
  ['/admin/accounts', 'Accounts'],
  ['/admin/keys', 'Keys'],
  ['/admin/logs', 'Logs'],
  ['/admin/models', 'Models'],
  ['/admin/audit', 'Audit'],
  ['/admin/status', 'Status'],
];
const ACCOUNT_NAV: Array<[string, string]> = [
  ['/account', 'Overview'],
  ['/account/keys', 'Keys'],
  ['/account/logs', 'Logs'],
  ['/account/billing', 'Billing'],
  ['/account/models', 'Models'],
  ['/account/playground', 'Playground'],
];

function page(session: SessionInfo, path: string) {
  const admin = session.role === 'admin';
  const accountMatch = /^\/admin\/accounts\/([^/]+)$/.exec(path);
  if (admin && accountMatch?.[1]) return <AccountDetail id={decodeURIComponent(accountMatch[1])} />;
  switch (path) {
    case '/admin':
      return <Overview role="admin" />;
    case '/admin/accounts':
      return <Accounts />;
    case '/admin/keys':
      return <Keys role="admin" />;
    case '/admin/logs':
      return <Logs role="admin" />;
    case '/admin/models':
      return <Models role="admin" />;
    case '/admin/audit':
      return <Audit />;
    case '/admin/status':
      return <Status />;
    case '/account':
      return <Overview role="account" />;
    case '/account/keys':
      return <Keys role="account" />;
    case '/account/logs':
      return <Logs role="account" />;
    case '/account/billing':
      return <Billing />;
    case '/account/models':
      return <Models role="account" />;
    case '/account/playground':
      return <Playground session={session} />;
    default:
      return <p>Page not found.</p>;
  }
}

export function App() {
  const [session, setState] = useState<SessionInfo | null | undefined>(undefined);
  const { path } = useLocation();
  const update = (next: SessionInfo | null) => {
    setSession(next);
    setState(next);
  };

  useEffect(() => {
    whenSignedOut(() => {
      update(null);
      navigate('/', true);
    });
    request<SessionInfo>('GET', '/dashboard/session', undefined, { quiet401: true })
      .then(update)
      .catch(() => update(null));
  }, []);

  // Each role sees only its own pages: an operator page asked for by a customer redirects, and back.
  useEffect(() => {
    if (!session) return;
    const home = session.role === 'admin' ? '/admin' : '/account';
    if (path === '/' || !path.startsWith(home)) navigate(home, true);
  }, [session, path]);

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={update} />;

  const nav = session.role === 'admin' ? ADMIN_NAV : ACCOUNT_NAV;
  const signOut = async () => {
    await api.delete('/dashboard/session').catch(() => undefined);
    update(null);
    navigate('/', true);
  };
  return (
    <div className="shell">
      <header>
        <strong className="brand">Portico</strong>
        <span className="who" data-testid="who">
          {session.role === 'admin'
            ? 'Operator'
            : `${session.account?.name ?? ''} · ${session.key?.prefix ?? ''}…`}
        </span>
        <span className="tz" data-testid="tz-label">
          Times in {viewerTimeZone()}
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav>
        {nav.map(([to, label]) => (
          <Link key={to} to={to} className={path === to ? 'active' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <main>{page(session, path)}</main>
    </div>
  );
}
