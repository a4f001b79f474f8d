// A notification in words, and where it leads (SPEC §4.9). `data` carries the event's ids plus
// display names (artistName, fanName, senderName, releaseTitle, trackTitle) where they apply.
import type { AppNotification, NotificationType } from '../api/types';

export const TYPE_LABEL: Record<NotificationType, string> = {
  new_release: 'New releases from artists I follow',
  new_post: 'New posts from artists I follow',
  new_follower: 'New followers',
  new_subscriber: 'New subscribers',
  tip_received: 'Tips received',
  comment_reply: 'Replies to my comments',
  direct_message: 'Direct messages',
  party_starting: 'Listening parties starting',
  payment_failed: 'Failed payments',
  payout_sent: 'Payouts sent',
  processing_finished: 'Uploads finished processing',
};

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v.trim() ? v : fallback);

export function notificationText(n: AppNotification): string {
  const d = n.data ?? {};
  const artist = str(d.artistName, 'An artist you follow');
  switch (n.type) {
    case 'new_release':
      return `${artist} released “${str(d.releaseTitle ?? d.title, 'something new')}”`;
    case 'new_post':
      return `${artist} posted something new`;
    case 'party_starting':
      return `${artist} started a listening party${d.title ? `: “${d.title}”` : ''}`;
    case 'new_follower':
      return `${str(d.fanName ?? d.username, 'Someone')} follows you`;
    case 'new_subscriber':
      return `${str(d.fanName ?? d.username, 'Someone')} became a ${str(d.tier, 'member')}`;
    case 'tip_received':
      return `${str(d.fanName ?? d.username, 'A fan')} sent you a tip`;
    case 'comment_reply':
      return `${str(d.username ?? d.fanName, 'Someone')} replied to your comment${d.trackTitle ? ` on “${d.trackTitle}”` : ''}`;
    case 'direct_message':
      return `${str(d.senderName, 'Someone')} wrote: ${str(d.preview, '')}`;
    case 'payment_failed':
      return `A payment for your membership${d.artistName ? ` of ${d.artistName}` : ''} failed. Update your payment method to keep it.`;
    case 'payout_sent':
      return 'A payout is on its way to your account';
    case 'processing_finished':
      return d.status === 'failed'
        ? `“${str(d.trackTitle, 'Your upload')}” could not be processed${d.error ? `: ${d.error}` : ''}`
        : `“${str(d.trackTitle, 'Your upload')}” is ready to play`;
    default:
      return 'Something happened';
  }
}

export function notificationLink(n: AppNotification): string | null {
  const d = n.data ?? {};
  switch (n.type) {
    case 'new_release':
      return d.artistId && d.releaseId ? `/artist/${d.artistId}/release/${d.releaseId}` : d.artistId ? `/artist/${d.artistId}` : null;
    case 'new_post':
      return d.artistId ? `/artist/${d.artistId}` : null;
    case 'party_starting':
      return d.partyId ? `/parties/${d.partyId}` : null;
    case 'new_follower':
    case 'new_subscriber':
    case 'tip_received':
      return '/studio/earnings';
    case 'comment_reply':
      return d.trackId ? `/track/${d.trackId}` : null;
    case 'direct_message':
      return d.conversationId ? `/messages/${d.conversationId}` : '/messages';
    case 'payment_failed':
      return '/library';
    case 'payout_sent':
      return '/studio/earnings';
    case 'processing_finished':
      return d.releaseId ? `/studio/releases/${d.releaseId}` : d.trackId ? `/track/${d.trackId}` : null;
    default:
      return null;
  }
}
