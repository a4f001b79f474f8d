import { useState } from 'react';
import { Link } from 'react-router';
import { explain, post } from '../api/client';
import type { SendResult } from '../api/types';
import { Composer } from './Composer';

// On an artist's page, for their superfans: write to the artist (5 messages a month, SPEC §2).
export function MessageArtist({ artistId, artistName }: { artistId: string; artistName: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<SendResult | null>(null);
  const send = async (body: string) => {
    setError(null);
    try {
      setSent(await post<SendResult>('/api/messaging/send', { recipientId: artistId, body }));
      return true;
    } catch (e) {
      setError(explain(e, { body: 'The message', recipientId: 'The artist' }));
      return false;
    }
  };
  return (
    <div className="message-artist">
      <button type="button" className="btn" aria-expanded={open} aria-controls="message-artist" onClick={() => setOpen((o) => !o)}>
        Message
      </button>
      {open && (
        <div id="message-artist" className="card message-artist__box">
          <p className="small muted">As a superfan you can send {artistName} 5 messages a month; they can always reply.</p>
          <Composer label={`Message to ${artistName}`} onSend={send} placeholder={`Write to ${artistName}`} />
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {sent && (
            <p className="notice" role="status" data-testid="message-sent">
              Sent.{' '}
              {sent.quota && (
                <>
                  You have {sent.quota.remaining} of {sent.quota.limit} messages left to {artistName} this month.{' '}
                </>
              )}
              <Link to={`/messages/${sent.conversation.id}`}>Open the conversation</Link>
            </p>
          )}
        </div>
      )}
    </div>
  );
}
