import { Cover } from '../components/Cover';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatDuration } from '../api/types';
import { usePlayer } from './PlayerContext';
import { Waveform } from './Waveform';
import { Icon } from '../components/Icon';

// The persistent player: lives outside the routes, so navigation never stops the music.
export function PlayerBar() {
  const p = usePlayer();
  const [showQueue, setShowQueue] = useState(false);
  const progress = p.duration > 0 ? p.time / p.duration : 0;
  return (
    <section className={`player ${p.current ? '' : 'player--idle'}`} aria-label="Player">
      <audio ref={p.audio} preload="none" data-testid="audio" />
      {p.current && (
        <>
          <div className="player__now">
            <Cover art={p.current.track.artwork} title={p.current.track.title} size="tiny" className="player__art" />
            <Link to={`/track/${p.current.track.id}`} className="player__title">
              {p.current.track.title}
            </Link>
            {p.current.artistName && (
              <Link to={`/artist/${p.current.artistSlug ?? p.current.track.artistId}`} className="muted">
                {p.current.artistName}
              </Link>
            )}
            {p.format && (
              <span className="player__format" data-testid="player-format" title="Format playing now">
                {p.format}
              </span>
            )}
          </div>
          {p.party ? (
            <div className="player__controls">
              <Link to={`/parties/${p.party.id}`} className="player__party" data-testid="player-party">
                <span className="live-dot" aria-hidden="true" /> Listening party: {p.party.title}
              </Link>
            </div>
          ) : (
          <div className="player__controls">
            <button type="button" className="icon-btn" onClick={p.previous} aria-label="Previous track" disabled={p.index <= 0 && p.time < 3}>
              <Icon name="prev" />
            </button>
            <button
              type="button"
              className="icon-btn icon-btn--main"
              onClick={p.toggle}
              aria-label={p.playing ? 'Pause' : 'Play'}
              disabled={p.loading}
            >
              {p.loading ? '…' : <Icon name={p.playing ? 'pause' : 'play'} size={22} />}
            </button>
            <button type="button" className="icon-btn" onClick={p.next} aria-label="Next track" disabled={p.index + 1 >= p.queue.length}>
              <Icon name="next" />
            </button>
          </div>
          )}
          <div className="player__seek">
            <span className="time" aria-hidden="true">{formatDuration(p.time)}</span>
            <div className="player__wave">
              <Waveform peaks={p.peaks} progress={progress} onSeek={(f) => !p.party && p.seek(f * p.duration)} />
              {!p.party && (
              <input
                type="range"
                className="seek-range"
                min={0}
                max={Math.max(1, Math.round(p.duration))}
                step={1}
                value={Math.round(p.time)}
                onChange={(e) => p.seek(Number(e.target.value))}
                aria-label="Seek"
                aria-valuetext={`${formatDuration(p.time)} of ${formatDuration(p.duration)}`}
              />
              )}
            </div>
            <span className="time" aria-hidden="true">{formatDuration(p.duration)}</span>
          </div>
          {!p.party && (
          <button
            type="button"
            className="btn btn--ghost player__queue-btn"
            aria-expanded={showQueue}
            aria-controls="player-queue"
            onClick={() => setShowQueue((s) => !s)}
          >
            Queue ({p.queue.length})
          </button>
          )}
          {p.error && (
            <p className="player__error" role="alert">
              {p.error}
            </p>
          )}
          {showQueue && (
            <ol id="player-queue" className="queue" aria-label="Queue">
              {p.queue.map((item, i) => (
                <li key={`${item.track.id}-${i}`} className={i === p.index ? 'queue__item queue__item--current' : 'queue__item'}>
                  <button type="button" className="link-btn" onClick={() => p.jump(i)} aria-current={i === p.index ? 'true' : undefined}>
                    {item.track.title}
                    {item.artistName ? <span className="muted"> · {item.artistName}</span> : null}
                  </button>
                  <button type="button" className="icon-btn icon-btn--small" onClick={() => p.remove(i)} aria-label={`Remove ${item.track.title} from the queue`}>
                    <Icon name="close" size={14} />
                  </button>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
