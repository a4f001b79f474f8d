import { useState } from 'react';

// Share or copy the link of the page (artist, release, track). The system share sheet where the
// browser has one (phones), otherwise the clipboard; the result is said in words next to the button.
export function ShareButton({ title, path }: { title: string; path: string }) {
  const [said, setSaid] = useState('');
  const url = new URL(path, window.location.origin).toString();
  async function share() {
    try {
      if (navigator.share) {
        await navigator.share({ title, url });
        return;
      }
      await navigator.clipboard.writeText(url);
      setSaid('Link copied');
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return; // the share sheet was closed
      setSaid(`Copy this link: ${url}`);
    }
  }
  return (
    <span className="share">
      <button type="button" className="btn" onClick={share}>
        Share
      </button>
      <span className="share__said" role="status" aria-live="polite">
        {said}
      </span>
    </span>
  );
}
