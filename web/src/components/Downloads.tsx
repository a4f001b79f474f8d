// Downloads through the one download path (docs/buying.md): a format choice and a button per track.
// The Library's collection uses them for what a fan bought; the release page for a superfan's
// "download original files" perk.
import { useId, useState } from 'react';
import { explain } from '../api/client';
import { FORMAT_LABEL, buying, type DownloadFormat } from '../api/buying';

export function FormatSelect({ value, onChange }: { value: DownloadFormat; onChange(f: DownloadFormat): void }) {
  const id = useId();
  return (
    <div className="field field--inline">
      <label htmlFor={id}>Download format</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as DownloadFormat)}>
        {(Object.keys(FORMAT_LABEL) as DownloadFormat[]).map((f) => (
          <option key={f} value={f}>
            {FORMAT_LABEL[f]}
          </option>
        ))}
      </select>
    </div>
  );
}

export function DownloadRow({
  trackId,
  title,
  position,
  ready,
  format,
  testId,
}: {
  trackId: string;
  title: string;
  position: number;
  ready: boolean;
  format: DownloadFormat;
  testId: string;
}) {
  const [state, setState] = useState<'idle' | 'preparing' | 'starting'>('idle');
  const [error, setError] = useState<string | null>(null);
  const go = async () => {
    setError(null);
    setState('starting');
    try {
      const link = await buying.download(trackId, format, () => setState('preparing'));
      // The link answers with Content-Disposition: attachment, so the page stays where it is.
      const a = document.createElement('a');
      a.href = link.url;
      a.download = link.filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch (e) {
      setError(explain(e));
    } finally {
      setState('idle');
    }
  };
  return (
    <li className="track" data-testid={testId}>
      <span className="track__pos">{position}</span>
      <span className="track__title">{title}</span>
      <span className="row">
        {ready ? (
          <button type="button" className="btn btn--small" onClick={go} disabled={state !== 'idle'}>
            {state === 'preparing' ? `Preparing ${FORMAT_LABEL[format]}…` : state === 'starting' ? 'Starting…' : 'Download'}
            <span className="visually-hidden">
              {' '}
              {title} as {FORMAT_LABEL[format]}
            </span>
          </button>
        ) : (
          <span className="muted small">not downloadable yet</span>
        )}
        {error && (
          <span className="error small" role="alert">
            {error}
          </span>
        )}
      </span>
    </li>
  );
}
