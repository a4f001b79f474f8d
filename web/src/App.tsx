import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { useAuth } from './auth/AuthContext';
import { Loading } from './components/ui';
import { PlayerBar } from './player/PlayerBar';
import { ConnectionBanner } from './components/ConnectionBanner';
import { ArtistPage } from './pages/Artist';
import { CheckoutPage, CheckoutResultPage, SandboxCheckoutPage } from './pages/Checkout';
import { DiscoverPage } from './pages/Discover';
import { ForgotPasswordPage, LoginPage, ResetPasswordPage, SignupPage, VerifyEmailPage } from './pages/Account';
import { LibraryPage } from './pages/Library';
import { NotFoundPage } from './pages/NotFound';
import { ReleasePage } from './pages/Release';
import { SearchPage } from './pages/Search';
import { SettingsPage } from './pages/Settings';
import { GoodbyePage } from './pages/Privacy';
import { TrackPage } from './pages/Track';
import { NotificationsPage } from './pages/Notifications';
import { Icon } from './components/Icon';
import { useUnreadNotifications } from './notifications/useUnread';

// Messages and the party room load on demand (the party room brings the synchronised player).
const MessagesPage = lazy(() => import('./messages/Messages'));
const PartyPage = lazy(() => import('./parties/PartyRoom'));
const EmbedTrackPage = lazy(() => import('./pages/EmbedTrack').then((m) => ({ default: m.EmbedTrackPage })));

// The studio is for artists only: its code loads when an artist opens it.
const StudioPage = lazy(() => import('./studio/Studio'));
// The home feed of a signed-in fan (posts and releases of followed artists).
const HomeFeedPage = lazy(() => import('./posts/Home'));
// The admin console: only admins load it.
const AdminPage = lazy(() => import('./admin/Admin'));

function Header() {
  const { user } = useAuth();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setOpen(false), [location.pathname]);
  // Log in and Sign up bring the person back to where they were (or were going).
  const onAccountPage = location.pathname === '/login' || location.pathname === '/signup';
  const next = onAccountPage ? new URLSearchParams(location.search).get('next') : location.pathname === '/' ? null : location.pathname + location.search;
  const nextQuery = next ? `?next=${encodeURIComponent(next)}` : '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/search?q=${encodeURIComponent(q.trim())}`);
  };
  return (
    <header className="header">
      <Link to="/" className="brand" aria-label="MusicConnect home">
        <img src="/favicon.svg" alt="" width="24" height="24" /> MusicConnect
      </Link>
      <form role="search" className="header__search" onSubmit={submit}>
        <label htmlFor="header-search" className="visually-hidden">
          Search artists, music and posts
        </label>
        <input id="header-search" type="search" placeholder="Search" maxLength={100} value={q} onChange={(e) => setQ(e.target.value)} />
      </form>
      {user && <NotificationBell />}
      <button
        type="button"
        className="btn btn--ghost nav-toggle"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpen((o) => !o)}
      >
        Menu
      </button>
      <nav id="main-nav" className={`nav ${open ? 'nav--open' : ''}`} aria-label="Main">
        <NavLink to="/" end>
          Discover
        </NavLink>
        <NavLink to="/search">Search</NavLink>
        {user && <NavLink to="/feed">Feed</NavLink>}
        {user && <NavLink to="/library">Library</NavLink>}
        {user && <NavLink to="/messages">Messages</NavLink>}
        {user?.role === 'artist' && <NavLink to="/studio">Studio</NavLink>}
        {user?.role === 'admin' && <NavLink to="/admin">Admin</NavLink>}
        {user ? (
          <NavLink to="/settings">
            <span className="visually-hidden">Account settings for </span>@{user.username}
          </NavLink>
        ) : (
          <>
            <NavLink to={`/login${nextQuery}`}>Log in</NavLink>
            <NavLink to={`/signup${nextQuery}`} className="btn btn--primary">
              Sign up
            </NavLink>
          </>
        )}
      </nav>
    </header>
  );
}

// The bell: a live count of unread notifications, linking to the list.
function NotificationBell() {
  const unread = useUnreadNotifications();
  const label = unread ? `Notifications, ${unread} unread` : 'Notifications';
  return (
    <NavLink to="/notifications" className="bell" aria-label={label} title={label} data-testid="notification-bell">
      <Icon name="bell" size={22} />
      {unread ? (
        <span className="bell__count" data-testid="notification-count" aria-hidden="true">
          {unread > 99 ? '99+' : unread}
        </span>
      ) : null}
    </NavLink>
  );
}

// Moves focus to the page heading on navigation, so screen readers announce the new page.
function useFocusOnNavigate() {
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h1 = document.querySelector<HTMLElement>('main h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: false });
    }
  }, [location.pathname]);
}

export function App() {
  const { ready } = useAuth();
  const location = useLocation();
  useFocusOnNavigate();
  if (location.pathname.startsWith('/embed/')) {
    // the embeddable player: no header or navigation, only the track and the player bar
    return (
      <div className="app app--embed">
        <main id="main" className="main">
          {!ready ? (
            <Loading />
          ) : (
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/embed/track/:id" element={<EmbedTrackPage />} />
                <Route path="*" element={<NotFoundPage />} />
              </Routes>
            </Suspense>
          )}
        </main>
        <PlayerBar />
      </div>
    );
  }
  return (
    <div className="app">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <ConnectionBanner />
      <main id="main" className="main">
        {!ready ? (
          <Loading />
        ) : (
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/" element={<DiscoverPage />} />
              <Route path="/search" element={<SearchPage />} />
              <Route path="/feed" element={<HomeFeedPage />} />
              <Route path="/artist/:id" element={<ArtistPage />} />
              <Route path="/artist/:id/release/:releaseId" element={<ReleasePage />} />
              <Route path="/track/:id" element={<TrackPage />} />
              <Route path="/login" element={<LoginPage />} />
              <Route path="/signup" element={<SignupPage />} />
              <Route path="/verify-email" element={<VerifyEmailPage />} />
              <Route path="/forgot-password" element={<ForgotPasswordPage />} />
              <Route path="/reset-password" element={<ResetPasswordPage />} />
              <Route path="/library" element={<LibraryPage />} />
              <Route path="/settings" element={<SettingsPage />} />
              <Route path="/goodbye" element={<GoodbyePage />} />
              <Route path="/checkout/:artistId/:tier" element={<CheckoutPage />} />
              <Route path="/checkout/success" element={<CheckoutResultPage ok />} />
              <Route path="/checkout/cancel" element={<CheckoutResultPage ok={false} />} />
              <Route path="/sandbox/checkout/:id" element={<SandboxCheckoutPage />} />
              <Route path="/studio/*" element={<StudioPage />} />
              <Route path="/admin/*" element={<AdminPage />} />
              <Route path="/notifications" element={<NotificationsPage />} />
              <Route path="/messages" element={<MessagesPage />} />
              <Route path="/messages/:conversationId" element={<MessagesPage />} />
              <Route path="/parties/:id" element={<PartyPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Suspense>
        )}
      </main>
      <PlayerBar />
    </div>
  );
}
