import { Cover } from '../components/Cover';
import { useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { formatDuration } from '../api/types';
import { usePlayer } from './PlayerContext';
import { Waveform } from './Waveform';
import { Icon } from '../components/Icon';

const REPEAT_LABEL = { off: 'Repeat: off', all: 'Repeat: all', one: 'Repeat: this track' } as const;

// The persistent player: lives outside the routes, so navigation never stops the music.
export function PlayerBar() {
  const p = usePlayer();
  const [showQueue, setShowQueue] = useState(false);
  const queueRef = useRef<HTMLDivElement>(null);
  const queueBtn = useRef<HTMLButtonElement>(null);
  const location = useLocation();
  const progress = p.duration > 0 ? p.time / p.duration : 0;

  // The queue closes on navigation, on Escape (focus back on its button) and on a click outside.
  useEffect(() => setShowQueue(false), [location.pathname]);
  useEffect(() => {
    if (!showQueue) return;
    queueRef.current?.querySelector<HTMLElement>('h2')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      setShowQueue(false);
      queueBtn.current?.focus();
    };
    const onDown = (e: PointerEvent) => {
      const t = e.target as Node;
      if (queueRef.current?.contains(t) || queueBtn.current?.contains(t)) return;
      setShowQueue(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onDown);
    };
  }, [showQueue]);
  useEffect(() => {
    if (p.party) setShowQueue(false);
  }, [p.party]);

  const volumePct = Math.round((p.muted ? 0 : p.volume) * 100);
  return (
    <section className={`player ${p.current ? '' : 'player--idle'}`} aria-label="Player">
      <audio ref={p.audio} preload="none" data-testid="audio" />
      {p.current && (
        <>
          <div className="player__now">
            <Cover art={p.current.track.artwork} title={p.current.track.title} size="tiny" className="player__art" />
            <Link to={`/track/${p.current.track.id}`} className="player__title" data-testid="player-title">
              {p.current.track.title}
            </Link>
            {p.current.artistName && (
              <Link to={`/artist/${p.current.artistSlug ?? p.current.track.artistId}`} className="muted player__artist">
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
              <button type="button" className="icon-btn" onClick={p.previous} aria-label="Previous track" disabled={p.previousIndex < 0 && p.time < 3}>
                <Icon name="prev" />
              </button>
              <button
                type="button"
                className="icon-btn icon-btn--main"
                onClick={p.toggle}
                aria-label={p.playing ? 'Pause' : 'Play'}
                aria-keyshortcuts="Space K"
                title={p.playing ? 'Pause (Space)' : 'Play (Space)'}
                disabled={p.loading}
              >
                {p.loading ? '…' : <Icon name={p.playing ? 'pause' : 'play'} size={22} />}
              </button>
              <button type="button" className="icon-btn" onClick={p.next} aria-label="Next track" disabled={p.nextIndex < 0}>
                <Icon name="next" />
              </button>
            </div>
          )}
          <div className="player__seek">
            <span className="time" aria-hidden="true">
              {formatDuration(p.time)}
            </span>
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
            <span className="time" aria-hidden="true">
              {formatDuration(p.duration)}
            </span>
          </div>
          <div className="player__extra">
            {!p.party && (
              <>
                <button
                  type="button"
                  className={`icon-btn icon-btn--toggle ${p.shuffle ? 'icon-btn--on' : ''}`}
                  aria-label="Shuffle"
                  aria-pressed={p.shuffle}
                  title={p.shuffle ? 'Shuffle is on' : 'Shuffle is off'}
                  onClick={p.toggleShuffle}
                >
                  <Icon name="shuffle" />
                </button>
                <button
                  type="button"
                  className={`icon-btn icon-btn--toggle ${p.repeat !== 'off' ? 'icon-btn--on' : ''}`}
                  aria-label={REPEAT_LABEL[p.repeat]}
                  title={`${REPEAT_LABEL[p.repeat]} (press to change)`}
                  data-repeat={p.repeat}
                  onClick={p.cycleRepeat}
                >
                  <Icon name={p.repeat === 'one' ? 'repeatOne' : 'repeat'} />
                </button>
              </>
            )}
            <button
              type="button"
              className="icon-btn"
              aria-label={p.muted ? 'Unmute' : 'Mute'}
              aria-keyshortcuts="M"
              title={p.muted ? 'Unmute (M)' : 'Mute (M)'}
              onClick={p.toggleMute}
            >
              <Icon name={p.muted || p.volume === 0 ? 'volumeOff' : 'volume'} />
            </button>
            <input
              type="range"
              className="volume-range"
              min={0}
              max={100}
              step={5}
              value={volumePct}
              onChange={(e) => p.setVolume(Number(e.target.value) / 100)}
              aria-label="Volume"
              aria-valuetext={p.muted ? 'Muted' : `${volumePct}%`}
            />
            {!p.party && (
              <button
                ref={queueBtn}
                type="button"
                className="btn btn--ghost player__queue-btn"
                aria-expanded={showQueue}
                aria-controls="player-queue"
                onClick={() => setShowQueue((s) => !s)}
              >
                <Icon name="queue" /> Queue ({p.queue.length})
              </button>
            )}
          </div>
          {p.error && (
            <p className="player__error" role="alert">
              {p.error}
            </p>
          )}
          {showQueue && (
            <div id="player-queue" className="queue" ref={queueRef} role="region" aria-label="Queue">
              <div className="queue__head">
                <h2 tabIndex={-1}>Queue</h2>
                <button
                  type="button"
                  className="icon-btn icon-btn--small"
                  aria-label="Close the queue"
                  onClick={() => {
                    setShowQueue(false);
                    queueBtn.current?.focus();
                  }}
                >
                  <Icon name="close" size={14} />
                </button>
              </div>
              <ol className="queue__list">
                {p.queue.map((item, i) => (
                  <li key={`${item.track.id}-${i}`} className={i === p.index ? 'queue__item queue__item--current' : 'queue__item'} data-testid="queue-item">
                    <button type="button" className="link-btn queue__play" onClick={() => p.jump(i)} aria-current={i === p.index ? 'true' : undefined}>
                      {item.track.title}
                      {item.artistName ? <span className="muted"> – {item.artistName}</span> : null}
                    </button>
                    <button type="button" className="icon-btn icon-btn--small" onClick={() => p.remove(i)} aria-label={`Remove ${item.track.title} from the queue`}>
                      <Icon name="close" size={14} />
                    </button>
                  </li>
                ))}
              </ol>
              {p.shuffle && <p className="muted small">Shuffle is on: tracks play in a mixed order.</p>}
            </div>
          )}
        </>
      )}
    </section>
  );
}
