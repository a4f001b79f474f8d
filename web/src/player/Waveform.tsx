import { useEffect, useRef } from 'react';

// The track's peaks (from processing) drawn as bars; the played part is highlighted.
// Pointer seeking only: the range input beside it is the keyboard-accessible control.
export function Waveform({ peaks, progress, onSeek, height = 40 }: {
  peaks: number[] | null;
  progress: number; // 0..1
  onSeek?: (fraction: number) => void;
  height?: number;
}) {
  const canvas = useRef<HTMLCanvasElement | null>(null);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const width = c.clientWidth;
    c.width = Math.max(1, Math.floor(width * dpr));
    c.height = Math.floor(height * dpr);
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, c.width, c.height);
    const styles = getComputedStyle(c);
    const played = styles.getPropertyValue('--wave-played').trim() || '#a78bfa';
    const rest = styles.getPropertyValue('--wave-rest').trim() || '#4b4b63';
    if (!peaks || peaks.length === 0) {
      g.fillStyle = rest;
      g.fillRect(0, c.height / 2 - dpr, c.width, 2 * dpr);
      g.fillStyle = played;
      g.fillRect(0, c.height / 2 - dpr, c.width * progress, 2 * dpr);
      return;
    }
    const bars = Math.max(1, Math.floor(width / 3));
    const max = Math.max(...peaks.map(Math.abs), 1e-6);
    const barWidth = c.width / bars;
    for (let i = 0; i < bars; i++) {
      const from = Math.floor((i * peaks.length) / bars);
      const to = Math.max(from + 1, Math.floor(((i + 1) * peaks.length) / bars));
      let v = 0;
      for (let j = from; j < to && j < peaks.length; j++) v = Math.max(v, Math.abs(peaks[j]));
      const h = Math.max(2 * dpr, (v / max) * c.height);
      g.fillStyle = i / bars < progress ? played : rest;
      g.fillRect(i * barWidth, (c.height - h) / 2, Math.max(1, barWidth - dpr), h);
    }
  }, [peaks, progress, height]);

  return (
    <canvas
      ref={canvas}
      className="waveform"
      style={{ height }}
      aria-hidden="true"
      onClick={(e) => {
        if (!onSeek) return;
        const r = e.currentTarget.getBoundingClientRect();
        onSeek(Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)));
      }}
    />
  );
}
