import { Cover } from '../components/Cover';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { del, errorMessage, get, post } from '../api/client';
import { TIER_LABEL, TIER_RANK, formatPrice, type ArtistContent, type ArtistDetail, type TierName } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { TrackList } from '../components/TrackList';
import { Avatar, ErrorBox, Loading, LockBadge, TierBadge, srcSet, useAsync, useTitle } from '../components/ui';
import { useFollowing } from '../api/following';
import { MessageArtist } from '../messages/MessageArtist';
import { ArtistParties } from '../parties/ArtistParties';
import { PostList } from '../posts/PostList';
import { NotFoundPage } from './NotFound';
import { metaLine, plural } from '../api/types';
import { ShareButton } from '../components/ShareButton';
import { ReportButton } from '../moderation/ReportButton';

export function ArtistPage() {
  const { id = '' } = useParams();
  const { user } = useAuth();
  const navigate = useNavigate();
  const artist = useAsync((s) => get<ArtistDetail>(`/api/artists/${encodeURIComponent(id)}`, s), [id, user?.id]);
  const content = useAsync((s) => get<ArtistContent>(`/api/artists/${encodeURIComponent(id)}/content`, s), [id, user?.id]);
  const following = useFollowing(artist.data?.id);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  useTitle(artist.data?.stageName ?? 'Artist');

  if (artist.loading && !artist.data) return <Loading />;
  if (artist.notFound)
    return <NotFoundPage title="Artist not found" message="There is no artist at this address. The link may be mistyped, or the artist may have changed their address." />;
  if (artist.error || !artist.data) return <ErrorBox message={artist.error ?? 'This artist could not be loaded.'} />;
  const a = artist.data;
  const viewerTier: TierName = content.data?.viewerTier ?? 'free';
  // The artist on their own page: its owner (who sees everything), not a member of a tier.
  const isOwner = user?.id === a.id || (!!user?.artistSlug && user.artistSlug === a.slug);

  const toggleFollow = async () => {
    if (!user) return navigate(`/login?next=${encodeURIComponent(`/artist/${a.slug}`)}`);
    setBusy(true);
    setActionError(null);
    try {
      const r = following.value
        ? await del<{ following: boolean }>(`/api/artists/${a.id}/follow`)
        : await post<{ following: boolean }>(`/api/artists/${a.id}/follow`);
      following.set(r?.following ?? !following.value);
      artist.reload();
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {a.banner && Object.keys(a.banner).length > 0 && (
        <img className="banner" src={a.banner['1280'] ?? Object.values(a.banner)[0]} srcSet={srcSet(a.banner)} sizes="(max-width: 72rem) 100vw, 72rem" alt="" />
      )}
      <section className="artist-hero">
        <Avatar artist={a} size="large" />
        <div>
          <h1>{a.stageName}</h1>
          <ShareButton title={a.stageName} path={`/artist/${a.slug}`} />
          <ReportButton type="user" id={a.id} what={a.stageName} ownerId={a.id} />
          {(a.location?.city || a.location?.country || a.genres.length > 0) && (
            <p className="muted">
              {metaLine([[a.location?.city, a.location?.country].filter(Boolean).join(', '), a.genres.join(', ')])}
            </p>
          )}
          <p className="small">
            <span data-testid="follower-count">{a.followerCount}</span> {plural(a.followerCount, 'follower')} · {a.subscriberCount}{' '}
            {plural(a.subscriberCount, 'subscriber')}
            {isOwner ? (
              <>
                {' '}
                · <span data-testid="owner-badge">This is your page</span>
              </>
            ) : (
              content.data &&
              viewerTier !== 'free' && (
                <>
                  {' '}
                  · your membership: <TierBadge tier={viewerTier} />
                </>
              )
            )}
          </p>
          <div className="row">
            {!isOwner && (
              <button type="button" className="btn" onClick={toggleFollow} disabled={busy} aria-pressed={following.value}>
                {following.value ? 'Following' : 'Follow'}
              </button>
            )}
            {isOwner && (
              <Link className="btn" to="/studio">
                Edit in studio
              </Link>
            )}
            {!isOwner && user && viewerTier === 'superfan' && <MessageArtist artistId={a.id} artistName={a.stageName} />}
          </div>
          <ErrorBox message={actionError} />
        </div>
      </section>

      {a.bio && (
        <section aria-labelledby="bio-h">
          <h2 id="bio-h">About</h2>
          <p className="bio">{a.bio}</p>
          {a.links && a.links.length > 0 && (
            <ul className="links">
              {a.links.map((l) => (
                <li key={l.url}>
                  <a href={l.url} rel="noopener noreferrer nofollow" target="_blank">
                    {l.label}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      <ArtistParties artistId={a.id} isOwner={isOwner} />

      <section aria-labelledby="posts-h">
        <h2 id="posts-h">Posts</h2>
        <PostList artist={a.id} reloadKey={user?.id ?? ''} />
      </section>

      <section aria-labelledby="tiers-h">
        <h2 id="tiers-h">Memberships</h2>
        <ul className="tiers">
          {a.tiers.map((t) => {
            const current = !isOwner && viewerTier === t.tier;
            const below = TIER_RANK[t.tier] <= TIER_RANK[viewerTier];
            return (
              <li key={t.tier} className={`card tier ${current ? 'tier--current' : ''}`} data-testid={`tier-${t.tier}`}>
                <h3>{TIER_LABEL[t.tier]}</h3>
                <p className="tier__price">{t.priceCents > 0 ? `${formatPrice(t.priceCents, t.currency)} / month` : 'Free'}</p>
                <ul className="perks">
                  {t.perks.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
                {t.tier === 'free' ? null : current ? (
                  <p className="small">Your current membership</p>
                ) : isOwner ? null : below ? null : viewerTier !== 'free' ? (
                  <Link className="btn" to="/library">
                    Upgrade to {TIER_LABEL[t.tier]}
                  </Link>
                ) : (
                  <Link className="btn btn--primary" to={user ? `/checkout/${a.id}/${t.tier}` : `/login?next=${encodeURIComponent(`/checkout/${a.id}/${t.tier}`)}`}>
                    Subscribe as {TIER_LABEL[t.tier]}
                  </Link>
                )}
              </li>
            );
          })}
        </ul>
      </section>

      <section aria-labelledby="music-h">
        <h2 id="music-h">Music</h2>
        {content.loading && !content.data ? <Loading /> : <ErrorBox message={content.error} />}
        {content.data?.releases.length === 0 && <p className="muted">No releases yet.</p>}
        {content.data?.releases.map((r) => (
          <article key={r.id} className="release" aria-labelledby={`rel-${r.id}`}>
            <header className="release__head">
              <Cover art={r.cover} title={r.title} size="small" />
              <div>
                <h3 id={`rel-${r.id}`}>
                  <Link to={`/artist/${a.slug}/release/${r.id}`}>{r.title}</Link>
                </h3>
                <p className="muted small">
                  {r.kind.toUpperCase()}
                  {!r.published && ' · draft'}
                  {r.minTier !== 'free' && <> · {TIER_LABEL[r.minTier]} release</>}
                </p>
                <LockBadge lock={r.locked} />
              </div>
            </header>
            <TrackList tracks={r.tracks ?? []} artistName={a.stageName} artistSlug={a.slug} />
          </article>
        ))}
      </section>
    </>
  );
}
