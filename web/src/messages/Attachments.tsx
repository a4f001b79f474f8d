// Direct-message attachments (docs/messaging.md "Attachments"): picking and uploading a picture or
// audio clip before sending, and showing one in a message. The file is fetched with the access
// token (the server gives it only to the conversation's members) and shown from a blob URL.
import { useEffect, useRef, useState } from 'react';
import { ApiError, currentAccessToken, explain, upload } from '../api/client';
import { ATTACHMENT_MAX_BYTES, type MessageAttachment } from '../api/types';
import { Loading } from '../components/ui';

export type Pending = { attachment: MessageAttachment; name: string };

const MB = 1024 * 1024;
const ACCEPT = 'image/jpeg,image/png,image/webp,audio/*,.mp3,.wav,.flac,.aif,.aiff,.m4a,.aac,.ogg,.opus';

/** Words for an upload or send refusal, naming the field and what to do. */
export function attachmentError(e: unknown): string {
  if (!(e instanceof ApiError)) return `Attachment: ${explain(e)}`;
  switch (e.code) {
    case 'payload_too_large':
      return 'Attachment: the file is larger than 15 MB. Choose a smaller file.';
    case 'unsupported_attachment':
    case 'unsupported_media_type':
    case 'unsupported_codec':
      return 'Attachment: this file is neither a picture (JPEG, PNG, WebP) nor audio we can play. Choose another file.';
    case 'too_long':
      return 'Attachment: audio clips may be at most 10 minutes long. Choose a shorter clip.';
    case 'too_short':
      return 'Attachment: the audio is shorter than 1 second. Choose a longer clip.';
    case 'image_too_large':
      return 'Attachment: the picture has too many pixels (at most 12,000 a side). Choose a smaller picture.';
    case 'corrupt_image':
    case 'truncated_or_corrupt':
    case 'no_audio_stream':
    case 'empty_file':
      return 'Attachment: the file is damaged or empty. Choose another file.';
    case 'too_many_pending_attachments':
      return 'Attachment: you have 5 attachments waiting to be sent. Send one with a message, or wait a day for them to expire.';
    case 'attachment_already_sent':
      return 'Attachment: it was already sent. Attach the file again to send it again.';
    case 'not_found':
      if (typeof e.details.attachmentId === 'string') return 'Attachment: it has expired (uploads are kept for a day). Attach the file again.';
      return explain(e);
    default:
      return `Attachment: ${explain(e)}`;
  }
}

/** The "Attach" button with its hidden file input; uploads at once and reports the result. */
export function AttachButton({
  pending,
  onPending,
  onError,
  disabled,
}: {
  pending: Pending | null;
  onPending(p: Pending | null): void;
  onError(message: string | null): void;
  disabled?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const pick = async (file: File | undefined) => {
    if (input.current) input.current.value = '';
    if (!file) return;
    onError(null);
    if (file.size > ATTACHMENT_MAX_BYTES) {
      onError(`Attachment: ${file.name} is ${(file.size / MB).toFixed(1)} MB; the limit is 15 MB. Choose a smaller file.`);
      return;
    }
    if (file.size === 0) {
      onError(`Attachment: ${file.name} is empty. Choose another file.`);
      return;
    }
    setProgress(0);
    try {
      const form = new FormData();
      form.append('file', file, file.name.slice(0, 200));
      const a = await upload<MessageAttachment>('/api/messaging/attachments', form, setProgress);
      onPending({ attachment: a, name: file.name });
    } catch (e) {
      onError(attachmentError(e));
    } finally {
      setProgress(null);
    }
  };
  return (
    <div className="attach">
      <input
        ref={input}
        type="file"
        accept={ACCEPT}
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="attach-input"
        onChange={(e) => void pick(e.target.files?.[0])}
      />
      {pending ? (
        <span className="attach__chip small" data-testid="attach-pending">
          {pending.attachment.kind === 'image' ? 'Picture' : 'Audio'}: {pending.name}
          <button type="button" className="link-btn" onClick={() => onPending(null)} aria-label={`Remove the attachment ${pending.name}`}>
            Remove
          </button>
        </span>
      ) : progress !== null ? (
        <span className="small muted" role="status">
          Uploading… {Math.round(progress * 100)}%
        </span>
      ) : (
        <button type="button" className="btn btn--small" disabled={disabled} onClick={() => input.current?.click()}>
          Attach picture or audio
        </button>
      )}
    </div>
  );
}

function duration(ms: number | null) {
  if (!ms) return '';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A message's attachment: the picture inline, or an audio player. */
export function AttachmentView({ attachment, from }: { attachment: MessageAttachment; from: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    let cancelled = false;
    (async () => {
      try {
        const token = await currentAccessToken();
        const res = await fetch(attachment.url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
        if (!res.ok) throw new Error(res.status === 404 ? 'This attachment is no longer available.' : 'The attachment could not be loaded. Reload the page to try again.');
        const blob = await res.blob();
        if (cancelled) return;
        url = URL.createObjectURL(blob);
        setSrc(url);
      } catch (e) {
        if (!cancelled) setError(e instanceof Error && e.message ? e.message : 'The attachment could not be loaded.');
      }
    })();
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [attachment.url]);
  if (error) return <p className="small field__error">{error}</p>;
  if (attachment.kind === 'image') {
    const w = attachment.width ?? 1;
    const h = attachment.height ?? 1;
    return (
      <div className="bubble__media" style={{ aspectRatio: `${w} / ${h}`, maxWidth: Math.min(w, 480) }}>
        {src ? <img src={src} alt={`Picture from ${from}`} width={w} height={h} data-testid="message-image" /> : <Loading shape="media" label={`Loading the picture from ${from}`} />}
      </div>
    );
  }
  return (
    <div className="bubble__audio">
      {src ? (
        <audio controls preload="metadata" src={src} data-testid="message-audio" aria-label={`Audio from ${from}, ${duration(attachment.durationMs)}`} />
      ) : (
        <Loading shape="control" label={`Loading the audio from ${from}`} />
      )}
      <span className="muted small"> {duration(attachment.durationMs)}</span>
    </div>
  );
}
