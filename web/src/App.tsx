import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, request, setCsrfToken, setUnauthorizedHandler, type Me } from './api.js';
import { DateModeContext, loadDateMode, saveDateMode, type DateMode } from './dates.js';
import { APP_NAME, PERMISSION } from './labels.js';
import { Link, matchRoute, navigate, useLocation, type Route } from './router.js';
import { ErrorMessage, PageHeading, Spinner } from './components/ui.js';
import { LoginPage, type LoginReason } from './pages/LoginPage.js';
import { SearchPage } from './pages/SearchPage.js';
import { HouseholdPage } from './pages/HouseholdPage.js';
import { PersonPage } from './pages/PersonPage.js';
import { AuditPage } from './pages/AuditPage.js';
import { SecurityKeyPage } from './pages/SecurityKeyPage.js';
import { ApprovalsPage } from './pages/ApprovalsPage.js';
import { AdminPage } from './pages/AdminPage.js';
import { WorkItemsPage } from './pages/WorkItemsPage.js';
import { AssessmentRunReviewPage, AssessmentRunsPage } from './pages/AssessmentRunsPage.js';
import { MyRequestsPage } from './pages/MyRequestsPage.js';

type AuthState =
  | { status: 'loading' }
  | { status: 'offline'; error: unknown }
  | { status: 'anonymous'; reason?: LoginReason }
  | { status: 'authenticated'; me: Me };

/** Other tabs of the same browser learn about a logout and drop what they show. */
const channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel('kokuho-auth') : null;

export function can(me: Me, permission: string): boolean {
  return me.permissions.includes(permission);
}

/** 承認 holders decide person changes; user administrators decide each other's account changes. */
function decidesChanges(me: Me): boolean {
  return can(me, PERMISSION.approval) || can(me, PERMISSION.userAdmin);
}

/** Who enters changes held for a second person's confirmation (資格, 個人番号, 職員アカウント) follows them in 申請状況. */
function requestsChanges(me: Me): boolean {
  return can(me, PERMISSION.eligibilityUpdate) || can(me, PERMISSION.myNumberWrite) || can(me, PERMISSION.userAdmin);
}

/** Where a freshly logged-in user lands: the first screen they may use. */
function homePath(me: Me): string {
  return me.nav[0]?.path ?? '/security-key';
}

export function App(): ReactNode {
  const [auth, setAuth] = useState<AuthState>({ status: 'loading' });
  const [dateMode, setDateMode] = useState<DateMode>(loadDateMode);
  const location = useLocation();
  const route = matchRoute(location.path);

  const checkSession = useCallback(async (): Promise<void> => {
    try {
      const me = await request<Me>('/api/auth/me', { auth: true });
      setCsrfToken(me.csrfToken);
      setAuth({ status: 'authenticated', me });
    } catch (e) {
      setCsrfToken(null);
      if (e instanceof ApiError && e.status === 0) setAuth({ status: 'offline', error: e });
      else setAuth((prev) => (prev.status === 'authenticated' ? { status: 'anonymous', reason: 'expired' } : { status: 'anonymous' }));
    }
  }, []);

  useEffect(() => {
    void checkSession();
    // A 401 from any call made while logged in means the session ended (idle timeout, revoked, ...).
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setAuth((prev) => (prev.status === 'authenticated' ? { status: 'anonymous', reason: 'expired' } : prev));
    });
    // A page restored from the back/forward cache must not show data from a session that has ended.
    const onPageShow = (e: PageTransitionEvent): void => {
      if (e.persisted) void checkSession();
    };
    window.addEventListener('pageshow', onPageShow);
    const onMessage = (e: MessageEvent): void => {
      if (e.data === 'logout') {
        setCsrfToken(null);
        setAuth({ status: 'anonymous', reason: 'loggedOut' });
      }
    };
    channel?.addEventListener('message', onMessage);
    return () => {
      setUnauthorizedHandler(null);
      window.removeEventListener('pageshow', onPageShow);
      channel?.removeEventListener('message', onMessage);
    };
  }, [checkSession]);

  const onLoggedIn = useCallback((me: Me) => {
    setCsrfToken(me.csrfToken);
    setAuth({ status: 'authenticated', me });
    const r = matchRoute(window.location.pathname);
    if (r.name === 'login' || r.name === 'notFound') navigate(homePath(me), { replace: true });
  }, []);

  const logout = useCallback(async () => {
    try {
      await request<void>('/api/auth/logout', { method: 'POST', auth: true });
    } catch {
      // The session is dropped on this side whatever the server answered.
    }
    setCsrfToken(null);
    channel?.postMessage('logout');
    navigate('/', { replace: true });
    setAuth({ status: 'anonymous', reason: 'loggedOut' });
  }, []);

  const toggleDateMode = useCallback((seireki: boolean) => {
    const mode: DateMode = seireki ? 'seireki' : 'wareki';
    setDateMode(mode);
    saveDateMode(mode);
  }, []);

  const me = auth.status === 'authenticated' ? auth.me : null;
  const updateMe = useCallback((patch: Partial<Me>) => {
    setAuth((prev) => (prev.status === 'authenticated' ? { status: 'authenticated', me: { ...prev.me, ...patch } } : prev));
  }, []);

  const content = useMemo((): ReactNode => {
    if (auth.status === 'loading') return <Spinner label="接続しています…" />;
    if (auth.status === 'offline')
      return (
        <>
          <PageHeading title="接続エラー">接続エラー</PageHeading>
          <ErrorMessage error={auth.error} />
          <button type="button" className="button" onClick={() => void checkSession()}>
            再接続
          </button>
        </>
      );
    if (auth.status === 'anonymous') return <LoginPage reason={auth.reason} onLoggedIn={onLoggedIn} />;
    return renderRoute(route, auth.me, location.key, updateMe);
  }, [auth, route, location.key, onLoggedIn, checkSession, updateMe]);

  return (
    <DateModeContext.Provider value={dateMode}>
      <a
        href="#main"
        className="skip-link"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        本文へ移動
      </a>
      <header className="site-header">
        <div className="site-header__inner">
          <p className="site-title">{APP_NAME}</p>
          <div className="site-header__tools">
            <div className="date-toggle">
              <input
                type="checkbox"
                id="date-mode-toggle"
                checked={dateMode === 'seireki'}
                onChange={(e) => toggleDateMode(e.target.checked)}
              />
              <label htmlFor="date-mode-toggle">西暦で表示</label>
            </div>
            {me ? (
              <>
                <p className="user-info" data-testid="user-info">
                  <span className="user-info__name">{me.displayName}</span>
                  <span className="user-info__office">（{me.officeName}）</span>
                  <span className="visually-hidden">職員ID </span>
                  <span className="user-info__id">{me.staffId}</span>
                </p>
                <button type="button" className="button button--secondary" onClick={() => void logout()}>
                  ログアウト
                </button>
              </>
            ) : null}
          </div>
        </div>
        {me ? <MainNav me={me} route={route} /> : null}
      </header>
      <main id="main" tabIndex={-1} className="main">
        {content}
      </main>
      <footer className="site-footer">
        <p>個人情報を取り扱っています。離席時は必ずログアウトしてください。</p>
      </footer>
    </DateModeContext.Provider>
  );
}

function MainNav({ me, route }: { me: Me; route: Route }): ReactNode {
  // The menu comes from the server: each business module declares its entries and the permission they need.
  const current = `/${route.name === 'household' || route.name === 'person' ? 'search' : route.name === 'securityKey' ? 'security-key' : route.name === 'myRequests' ? 'my-requests' : route.name === 'workItems' ? 'work-items' : route.name}`;
  const items = me.nav.map((n) => ({ to: n.path, label: n.label, active: n.path === current, show: true }));
  return (
    <nav className="main-nav" aria-label="メインメニュー">
      <ul>
        {items
          .filter((i) => i.show)
          .map((i) => (
            <li key={i.to}>
              <Link to={i.to} aria-current={i.active ? 'page' : undefined}>
                {i.label}
              </Link>
            </li>
          ))}
      </ul>
    </nav>
  );
}

function renderRoute(route: Route, me: Me, key: number, updateMe: (patch: Partial<Me>) => void): ReactNode {
  switch (route.name) {
    case 'login':
      return <Redirect to={homePath(me)} />;
    case 'search':
      return can(me, PERMISSION.personRead) ? <SearchPage key={key} me={me} /> : <Forbidden />;
    case 'household':
      return can(me, PERMISSION.personRead) ? <HouseholdPage key={key} householdNo={route.householdNo} me={me} /> : <Forbidden />;
    case 'person':
      return can(me, PERMISSION.personRead) ? <PersonPage key={key} atenaNo={route.atenaNo} me={me} /> : <Forbidden />;
    case 'audit':
      return can(me, PERMISSION.audit) ? <AuditPage key={key} /> : <Forbidden />;
    case 'approvals':
      return decidesChanges(me) ? <ApprovalsPage key={key} me={me} /> : <Forbidden />;
    case 'myRequests':
      return requestsChanges(me) ? <MyRequestsPage key={key} /> : <Forbidden />;
    case 'workItems':
      return can(me, PERMISSION.eligibilityUpdate) ? <WorkItemsPage key={key} /> : <Forbidden />;
    case 'admin':
      return can(me, PERMISSION.userAdmin) ? <AdminPage key={key} me={me} /> : <Forbidden />;
    case 'assessmentRuns':
      return can(me, PERMISSION.assessmentRead) ? <AssessmentRunsPage key={key} canRun={can(me, PERMISSION.assessmentRun)} /> : <Forbidden />;
    case 'assessmentRun':
      return can(me, PERMISSION.assessmentRead) ? <AssessmentRunReviewPage key={key} runId={route.runId} canRun={can(me, PERMISSION.assessmentRun)} /> : <Forbidden />;
    case 'securityKey':
      return <SecurityKeyPage key={key} me={me} onRegistered={() => updateMe({ hasWebauthn: true })} />;
    case 'notFound':
      return (
        <>
          <PageHeading title="ページが見つかりません">ページが見つかりません</PageHeading>
          <p>指定されたページはありません。</p>
          <p>
            <Link to={homePath(me)}>最初の画面へ戻る</Link>
          </p>
        </>
      );
  }
}

function Redirect({ to }: { to: string }): ReactNode {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Forbidden(): ReactNode {
  return (
    <>
      <PageHeading title="権限がありません">権限がありません</PageHeading>
      <p>この画面を利用する権限がありません。必要な場合は所属の管理者に申請してください。</p>
    </>
  );
}
