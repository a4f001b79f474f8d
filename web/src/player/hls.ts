// hls.js is large: loaded on the first play, never on first page load. The light build is enough
// for audio-only streams (no subtitles, alternate renditions or DRM).
import type Hls from 'hls.js';

export type Stream = { destroy(): void; onFatal?: (message: string) => void };

let hlsModule: Promise<{ default: typeof Hls }> | null = null;
const loadHls = () => import('hls.js/light');

export async function attachStream(audio: HTMLAudioElement, url: string, onFatal: (m: string) => void): Promise<Stream> {
  const native = audio.canPlayType('application/vnd.apple.mpegurl') !== '';
  hlsModule ??= loadHls();
  const { default: HlsClass } = await hlsModule;
  if (!HlsClass.isSupported()) {
    if (!native) throw new Error('This browser cannot play HLS audio');
    audio.src = url; // Safari plays HLS itself
    return { destroy: () => audio.removeAttribute('src') };
  }
  const hls: Hls = new HlsClass({
    // Music: start on the best rung the viewer's tier allows instead of probing with the lowest;
    // ABR still steps down when the measured bandwidth says so.
    testBandwidth: false,
    abrEwmaDefaultEstimate: 5_000_000,
    enableWorker: true,
    lowLatencyMode: false,
  });
  hls.on(HlsClass.Events.ERROR, (_e, data) => {
    if (data.fatal) {
      if (data.type === HlsClass.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else onFatal(data.details);
    }
  });
  hls.loadSource(url);
  hls.attachMedia(audio);
  return { destroy: () => hls.destroy() };
}
