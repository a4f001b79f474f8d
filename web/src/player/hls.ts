// hls.js is large: loaded on the first play, never on first page load. The light build is enough
// for audio-only streams (no subtitles, alternate renditions or DRM).
import type Hls from 'hls.js';

export type Stream = { destroy(): void };
/** Why a stream stopped for good: a network failure (with the HTTP status when there was one), or media the browser cannot play. */
export type StreamFailure = { kind: 'network' | 'media' | 'unsupported'; status?: number };

/** What a rung really is, from its playlist URI (…/lossless/index.m3u8, …/256/index.m3u8). */
export function formatLabel(url: string, codecs?: string): string | null {
  if (codecs && /flac/i.test(codecs)) return 'Lossless';
  const m = /\/(lossless|\d+)\/index\.m3u8/.exec(url);
  if (!m) return null;
  return m[1] === 'lossless' ? 'Lossless' : `${m[1]} kbps`;
}

let hlsModule: Promise<{ default: typeof Hls }> | null = null;
const loadHls = () => import('hls.js/light');

export async function attachStream(
  audio: HTMLAudioElement,
  url: string,
  onFatal: (f: StreamFailure) => void,
  onFormat: (label: string | null) => void = () => {},
  startAt?: number,
): Promise<Stream> {
  const native = audio.canPlayType('application/vnd.apple.mpegurl') !== '';
  hlsModule ??= loadHls();
  const { default: HlsClass } = await hlsModule;
  if (!HlsClass.isSupported()) {
    if (!native) {
      onFatal({ kind: 'unsupported' });
      return { destroy() {} };
    }
    audio.src = url; // Safari plays HLS itself
    if (startAt) audio.currentTime = startAt;
    const onError = () => onFatal({ kind: audio.error?.code === MediaError.MEDIA_ERR_NETWORK ? 'network' : 'media' });
    audio.addEventListener('error', onError);
    return {
      destroy: () => {
        audio.removeEventListener('error', onError);
        audio.removeAttribute('src');
      },
    };
  }
  const hls: Hls = new HlsClass({
    // Music: start on the best rung the viewer's tier allows instead of probing with the lowest;
    // ABR still steps down when the measured bandwidth says so.
    testBandwidth: false,
    abrEwmaDefaultEstimate: 5_000_000,
    enableWorker: true,
    lowLatencyMode: false,
    // A listening party joins at the live position rather than the start.
    startPosition: startAt ?? -1,
  });
  // hls.js lists only the rungs this browser can decode and prefers lossless (fLaC) when it can;
  // the label follows the rung actually playing.
  hls.on(HlsClass.Events.LEVEL_SWITCHED, (_e, data) => {
    const level = hls.levels[data.level];
    onFormat(level ? formatLabel(level.uri, level.audioCodec) : null);
  });
  let recovered = false;
  hls.on(HlsClass.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    if (data.type === HlsClass.ErrorTypes.MEDIA_ERROR && !recovered) {
      recovered = true; // once: a second media error in a row is a stream this browser cannot play
      hls.recoverMediaError();
    } else if (data.type === HlsClass.ErrorTypes.NETWORK_ERROR) {
      const status = data.response?.code;
      onFatal({ kind: 'network', status: typeof status === 'number' && status > 0 ? status : undefined });
    } else onFatal({ kind: 'media' });
  });
  hls.loadSource(url);
  hls.attachMedia(audio);
  return { destroy: () => hls.destroy() };
}
