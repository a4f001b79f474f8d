import { useParams } from 'react-router';
import { get } from '../api/client';
import { TIER_LABEL, formatDate, type ArtistDetail, type Track } from '../api/types';
import { ErrorBox, Loading, useAsync } from '../components/ui';
import { usePlayer } from '../player/PlayerContext';

// The embeddable player (/embed/track/{id}, the one page other sites may frame): the track as this
// viewer may hear it — playable tracks play here, locked ones say so and link to MusicConnect.
export function EmbedTrackPage() {
  const { id = '' } = useParams();
  const player = usePlayer();
  const data = useAsync(async (s) => {
    const track = await get<Track>(`/api/content/${encodeURIComponent(id)}`, s);
    const artist = track.artistId ? await get<ArtistDetail>(`/api/artists/${track.artistId}`, s) : null;
    return { track, artist };
  }, [id]);
  if (data.loading && !data.data) return <Loading />;
  if (data.notFound) return <p className="embed__note">This track is not available.</p>;
  if (data.error) return <ErrorBox message={data.error} />;
  const { track, artist } = data.data!;
  const playable = !track.locked && (!track.status || track.status === 'ready');
  const isCurrent = player.current?.track.id === track.id;
  const link = `${window.location.origin}/track/${track.id}`;
  const art = track.artwork?.['256'];
  return (
    <div className="embed">
      {art && <img className="embed__art" src={art} alt="" width={96} height={96} />}
      <div className="embed__body">
        <h1 className="embed__title">{track.title}</h1>
        {artist && <p className="embed__artist">{artist.stageName}</p>}
        {playable ? (
          <button
            type="button"
            className="btn btn--primary"
            onClick={() =>
              isCurrent ? player.toggle() : player.playQueue([{ track, artistName: artist?.stageName, artistSlug: artist?.slug }])
            }
          >
            {isCurrent && player.playing ? 'Pause' : 'Play'}
          </button>
        ) : (
          <p className="embed__note">
            {track.locked?.requiredTier
              ? `This track is for ${TIER_LABEL[track.locked.requiredTier]} members. Join on MusicConnect to listen.`
              : track.locked
                ? `This track comes out on ${formatDate(track.locked.availableAt)}.`
                : 'This track is not ready to play yet.'}
          </p>
        )}
        <a href={link} target="_blank" rel="noopener">
          Listen on MusicConnect
        </a>
      </div>
    </div>
  );
}
