import { useState } from 'react';
import { Cover } from '../components/Cover';
import { Link, useParams } from 'react-router';
import { get } from '../api/client';
import { buying } from '../api/buying';
import { useAuth } from '../auth/AuthContext';
import { BuyBox } from '../components/BuyBox';
import { TIER_LABEL, formatDate, metaLine, type ArtistContent, type ArtistDetail, type Track } from '../api/types';
import { TrackList } from '../components/TrackList';
import { ErrorBox, Loading, LockBadge, useAsync, useTitle } from '../components/ui';
import { usePlayer } from '../player/PlayerContext';
import { NotFoundPage } from './NotFound';
import { ShareButton } from '../components/ShareButton';
import { DownloadRow, FormatSelect } from '../components/Downloads';
import type { DownloadFormat } from '../api/buying';

export function ReleasePage() {
  const { id = '', releaseId = '' } = useParams();
  const player = usePlayer();
  const { user } = useAuth();
  const data = useAsync(
    async (s) => {
      const [artist, content, offers] = await Promise.all([
        get<ArtistDetail>(`/api/artists/${encodeURIComponent(id)}`, s),
        get<ArtistContent>(`/api/artists/${encodeURIComponent(id)}/content`, s),
        buying.offers(id, s).catch(() => null),
      ]);
      return { artist, release: content.releases.find((r) => r.id === releaseId) ?? null, offers, viewerTier: content.viewerTier };
    },
    [id, releaseId, user?.id],
  );
  useTitle(data.data?.release?.title ?? 'Release');
  if (data.loading && !data.data) return <Loading />;
  if (data.notFound)
    return <NotFoundPage title="Release not found" message="There is no artist at this address, so there is no release here either. The link may be mistyped, or the artist may have changed their address." />;
  if (data.error) return <ErrorBox message={data.error} />;
  const { artist, release, offers, viewerTier } = data.data!;
  const offer = offers?.offers.find((o) => o.itemType === 'release' && o.itemId === release?.id);
  if (!release)
    return (
      <NotFoundPage
        title="Release not found"
        message={`${artist.stageName} has no published release at this address. It may have been removed, or not be out yet.`}
        back={{ to: `/artist/${artist.slug}`, label: `Go to ${artist.stageName}` }}
      />
    );
  const tracks = release.tracks ?? [];
  const meta = metaLine([
    release.genre,
    release.releaseAt && `Released ${formatDate(release.releaseAt)}`,
    release.minTier !== 'free' && `${TIER_LABEL[release.minTier]} release`,
  ]);
  const playable = tracks.filter((t) => !t.locked && (!t.status || t.status === 'ready'));
  return (
    <>
      <section className="release-hero">
        <Cover art={release.cover} title={release.title} size="large" />
        <div>
          <p className="muted small">{release.kind.toUpperCase()}</p>
          <h1>{release.title}</h1>
          <p>
            by <Link to={`/artist/${artist.slug}`}>{artist.stageName}</Link>
          </p>
          <ShareButton title={`${release.title} by ${artist.stageName}`} path={`/artist/${artist.slug}/release/${release.id}`} />
          {meta && (
            <p className="muted small" data-testid="release-meta">
              {meta}
            </p>
          )}
          {release.tags && release.tags.length > 0 && <p className="small">{release.tags.map((t) => `#${t}`).join(' ')}</p>}
          <LockBadge lock={release.locked} />
          {playable.length > 0 && (
            <button
              type="button"
              className="btn btn--primary"
              onClick={() => player.playQueue(playable.map((track) => ({ track, artistName: artist.stageName, artistSlug: artist.slug })))}
            >
              Play all
            </button>
          )}
        </div>
      </section>
      {release.description && <p className="bio">{release.description}</p>}
      {release.credits && release.credits.length > 0 && (
        <section aria-labelledby="credits-h">
          <h2 id="credits-h">Credits</h2>
          <dl className="credits">
            {release.credits.map((c, i) => (
              <div key={i}>
                <dt>{c.role}</dt>
                <dd>{c.name}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      {offer && <BuyBox offer={offer} artistName={artist.stageName} onMine={user?.id === artist.id} />}
      {viewerTier === 'superfan' && user?.id !== artist.id && !offer?.owned && <SuperfanDownloads tracks={tracks} />}
      <TrackList tracks={tracks} artistName={artist.stageName} artistSlug={artist.slug} />
    </>
  );
}

// A superfan's "download original files" perk (docs/buying.md): the same downloads as a purchase,
// in any format, for every ready track of the release, without buying it.
function SuperfanDownloads({ tracks }: { tracks: Track[] }) {
  const [format, setFormat] = useState<DownloadFormat>('original');
  if (tracks.length === 0) return null;
  return (
    <section aria-labelledby="downloads-h" className="card" data-testid="superfan-downloads">
      <h2 id="downloads-h">Download</h2>
      <p className="muted small">Your Superfan membership includes the original files and FLAC, MP3 and AAC copies.</p>
      <FormatSelect value={format} onChange={setFormat} />
      <ol className="tracks">
        {tracks.map((t) => (
          <DownloadRow key={t.id} trackId={t.id} title={t.title} position={t.position} ready={!t.locked && (!t.status || t.status === 'ready')} format={format} testId="download-track" />
        ))}
      </ol>
    </section>
  );
}
