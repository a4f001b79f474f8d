import { Navigate, NavLink, Route, Routes } from 'react-router';
import { useAuth } from '../auth/AuthContext';
import { useTitle } from '../components/ui';
import { AnalyticsPanel } from './Analytics';
import { EarningsPanel } from './Earnings';
import { ProfilePanel } from './Profile';
import { ReleaseEditor, ReleasesPanel } from './Releases';
import { TiersPanel } from './Tiers';
import { PartiesPanel } from './Parties';
import { PostsPanel } from './Posts';

// The artist studio (loaded lazily: fans never download it).
export default function StudioPage() {
  const { user } = useAuth();
  useTitle('Studio');
  if (!user) return <Navigate to="/login?next=/studio" replace />;
  if (user.role !== 'artist') {
    return (
      <section className="narrow">
        <h1>Studio</h1>
        <p>The studio is for artist accounts.</p>
      </section>
    );
  }
  return (
    <div className="studio">
      <nav className="subnav" aria-label="Studio">
        <NavLink to="/studio" end>
          Profile
        </NavLink>
        <NavLink to="/studio/tiers">Tiers</NavLink>
        <NavLink to="/studio/releases">Releases &amp; uploads</NavLink>
        <NavLink to="/studio/posts">Posts</NavLink>
        <NavLink to="/studio/parties">Parties</NavLink>
        <NavLink to="/studio/earnings">Earnings</NavLink>
        <NavLink to="/studio/analytics">Analytics</NavLink>
      </nav>
      <Routes>
        <Route index element={<ProfilePanel />} />
        <Route path="tiers" element={<TiersPanel />} />
        <Route path="releases" element={<ReleasesPanel />} />
        <Route path="releases/:releaseId" element={<ReleaseEditor />} />
        <Route path="posts" element={<PostsPanel />} />
        <Route path="parties" element={<PartiesPanel />} />
        <Route path="earnings" element={<EarningsPanel />} />
        <Route path="analytics" element={<AnalyticsPanel />} />
      </Routes>
    </div>
  );
}
