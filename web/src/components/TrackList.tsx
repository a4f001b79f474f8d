import { Link } from 'react-router';
import { counted, formatDuration, metaLine, type Track } from '../api/types';
import { usePlayer, type QueueItem } from '../player/PlayerContext';
import { Icon } from './Icon';
import { LockBadge } from './ui';

// Tracks with play buttons; locked ones are teasers (title and what unlocks them, nothing playable).
// Lists across artists (trending, likes) carry each track's own artist.
type ListedTrack = Track & { artistName?: string; artistSlug?: string };

export function TrackList({ tracks, artistName, artistSlug, showNumbers = true }: {
  tracks: ListedTrack[];
  artistName?: string;
  artistSlug?: string;
  showNumbers?: boolean;
}) {
  const player = usePlayer();
  const playable = tracks.filter((t) => !t.locked && (t.status === undefined || t.status === 'ready'));
  const items: QueueItem[] = playable.map((track) => ({
    track,
    artistName: track.artistName ?? artistName,
    artistSlug: track.artistSlug ?? artistSlug,
  }));
  if (tracks.length === 0) return <p className="muted">No tracks yet.</p>;
  return (
    <ol className="tracks">
      {tracks.map((t) => {
        const at = playable.indexOf(t);
        const isCurrent = player.current?.track.id === t.id;
        return (
          <li key={t.id} className={`track ${t.locked ? 'track--locked' : ''}`} data-testid="track-row">
            {showNumbers && (
              <span className="track__pos" aria-hidden="true">
                {t.position}
              </span>
            )}
            {at >= 0 ? (
              <button
                type="button"
                className="icon-btn"
                aria-label={isCurrent && player.playing ? `Pause ${t.title}` : `Play ${t.title}`}
                onClick={() => (isCurrent ? player.toggle() : player.playQueue(items, at))}
              >
                <Icon name={isCurrent && player.playing ? 'pause' : 'play'} />
              </button>
            ) : (
              <span className="icon-btn icon-btn--disabled" aria-hidden="true">
                {t.locked ? <Icon name="lock" size={16} /> : null}
              </span>
            )}
            <span className="track__title">
              <Link to={`/track/${t.id}`}>{t.title}</Link>
              {t.artistName && !artistName && (
                <>
                  {' '}
                  <span className="muted small">
                    by <Link to={`/artist/${t.artistSlug ?? t.artistId}`}>{t.artistName}</Link>
                  </span>
                </>
              )}
              {t.locked ? (
                <LockBadge lock={t.locked} />
              ) : t.status && t.status !== 'ready' ? (
                <span className="muted small"> · {t.status === 'processing' ? `processing ${t.progress ?? 0}%` : t.status === 'draft' ? 'no audio yet' : t.status}</span>
              ) : null}
            </span>
            <span className="track__meta muted small">
              {t.locked
                ? ''
                : metaLine([t.durationS ? formatDuration(t.durationS) : null, t.playCount !== undefined && counted(t.playCount, 'play')])}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
