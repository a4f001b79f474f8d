// Shapes of the API (docs/api/openapi.json).

export type TierName = 'free' | 'supporter' | 'superfan';
export const TIER_RANK: Record<TierName, number> = { free: 0, supporter: 1, superfan: 2 };
export const TIER_LABEL: Record<TierName, string> = { free: 'Free', supporter: 'Supporter', superfan: 'Superfan' };

export type User = {
  id: string;
  username: string;
  email: string;
  role: 'fan' | 'artist' | 'admin';
  emailVerified: boolean;
  artistName: string | null;
  artistSlug: string | null;
  genre: string | null;
  createdAt: string;
};

export type AuthResult = { token: string; refreshToken: string; user: User };

export type ImageUrls = Record<string, string>;

export type Tier = { tier: TierName; rank: number; priceCents: number; currency: string; perks: string[] };

export type ArtistProfile = {
  id: string;
  stageName: string;
  slug: string;
  bio: string;
  genres: string[];
  location?: { city: string | null; country: string | null };
  links?: { label: string; url: string }[];
  avatarKey?: string | null;
  bannerKey?: string | null;
  avatar?: ImageUrls | null; // URL by width: avatars 64–512 px squares
  banner?: ImageUrls | null; // banners 640, 1280, 1920 px wide (4:1)
  followerCount: number;
  subscriberCount: number;
  createdAt?: string;
};
export type ArtistDetail = ArtistProfile & { tiers: Tier[] };
export type ArtistList = { artists: ArtistProfile[]; page: number; limit: number; total: number };

export type Lock = { requiredTier: TierName | null; availableAt: string | null } | null;

export type TrackStatus = 'draft' | 'processing' | 'ready' | 'failed';
export type Track = {
  id: string;
  releaseId: string;
  artistId?: string;
  title: string;
  position: number;
  artworkKey?: string | null;
  /** The embedded cover art, re-encoded, by width ("128" … "1024"). */
  artwork?: Record<string, string> | null;
  minTier?: TierName;
  releaseAt?: string | null;
  locked: Lock;
  status?: TrackStatus;
  progress?: number;
  durationS?: number | null;
  gainDb?: number | null;
  playCount?: number;
  likeCount?: number;
  peaks?: number[] | null;
  error?: string | null;
};

export type ReleaseKind = 'single' | 'ep' | 'album';
export type Release = {
  id: string;
  artistId: string;
  title: string;
  kind: ReleaseKind;
  genre?: string | null;
  tags?: string[];
  coverKey?: string | null;
  cover?: ImageUrls | null;
  description?: string;
  credits?: { role: string; name: string }[];
  archived?: boolean;
  minTier: TierName;
  releaseAt?: string | null;
  published: boolean;
  createdAt?: string;
  locked: Lock;
  tracks?: Track[];
};
export type ArtistContent = { artistId: string; viewerTier: TierName; releases: Release[] };

export type Session = {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
};

export type Comment = {
  id: string;
  user: { id: string; username: string };
  parentId: string | null;
  body: string | null;
  deleted: boolean;
  edited: boolean;
  createdAt: string;
  replies?: Comment[];
};

/** A rung a grant unlocks: 1000 is the lossless (FLAC) rung. */
export type PlaybackFormat = { rung: number; codec: 'aac' | 'flac'; label: string };

export type PlaybackGrant = {
  masterUrl: string;
  expiresAt: string;
  rungs: number[];
  formats?: PlaybackFormat[];
  gainDb: number | null;
  durationS: number | null;
  tier?: TierName;
  trackId?: string;
};

export function formatPrice(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '–:––';
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// Notifications (SPEC §4.9).
export const NOTIFICATION_TYPES = [
  'new_release',
  'new_post',
  'new_follower',
  'new_subscriber',
  'tip_received',
  'comment_reply',
  'direct_message',
  'party_starting',
  'payment_failed',
  'payout_sent',
  'processing_finished',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type Delivery = 'in_app' | 'email' | 'off';
export type AppNotification = {
  id: string;
  type: NotificationType;
  data: Record<string, any>;
  createdAt: string;
  readAt: string | null;
};
export type NotificationPage = { notifications: AppNotification[]; unread: number; limit: number; nextCursor: string | null };

// Direct messages (SPEC §4.8).
export const MESSAGE_MAX_CHARS = 2000;
/** A direct message's picture or audio clip (docs/messaging.md "Attachments"). */
export type MessageAttachment = {
  id: string;
  kind: 'image' | 'audio';
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  durationMs: number | null;
  url: string; // fetched with the access token: only the conversation's members may read it
};
export const ATTACHMENT_MAX_BYTES = 15 * 1024 * 1024;
export type DirectMessage = {
  id: string;
  seq: number;
  conversationId: string;
  senderId: string;
  recipientId?: string;
  body: string;
  createdAt: string;
  attachment?: MessageAttachment;
};
export type Conversation = {
  id: string;
  artistId: string;
  fanId: string;
  with: { id: string; name: string };
  muted: boolean;
  unread: number;
  lastReadSeq: number;
  otherLastReadSeq: number;
  lastMessageAt: string;
  lastMessage: DirectMessage | null;
};
export type SendResult = {
  message: DirectMessage;
  conversation: { id: string; artistId: string; fanId: string };
  quota?: { limit: number; remaining: number };
};

// Listening parties (SPEC §4.10).
export const REACTIONS = ['🔥', '❤️', '👏', '😮', '😂', '🎉'] as const;
/** Words for each reaction: the button's name (screen readers, and systems without an emoji font). */
export const REACTION_NAME: Record<string, string> = { '🔥': 'fire', '❤️': 'love', '👏': 'applause', '😮': 'wow', '😂': 'laughing', '🎉': 'celebrate' };
export type PartyState = { index: number; trackId: string; positionMs: number; playing: boolean; serverTime: number; version: number };
export type PartySummary = { peakListeners: number; messages: number; reactions: number; startedAt: string | null; endedAt: string | null };
export type Party = {
  id: string;
  artistId: string;
  artistName: string;
  title: string;
  minTier: TierName;
  capacity: number;
  status: 'scheduled' | 'live' | 'ended';
  scheduledAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  state: PartyState;
  listeners?: number;
  summary?: PartySummary;
};
export type PartyDetail = Party & {
  queue: { id: string; title: string; durationS: number | null }[];
  listeners: number;
  serverTime: number;
  you: { host: boolean; canControl: boolean; canListen: boolean };
  cohosts?: string[];
};
export type PartyChatMessage = {
  id: string;
  userId: string;
  username: string;
  body: string;
  createdAt: string;
  badge: 'supporter' | 'superfan' | 'artist' | null;
};

/** "1 follower", "2 followers": the noun for a count (English, regular plurals unless given). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** "3 supporters": a count with its noun in the right number. */
export function counted(n: number, one: string, many = `${one}s`, show: (n: number) => string = String): string {
  return `${show(n)} ${plural(n, one, many)}`;
}

/** The parts of a meta line that are there, joined by " · " (no stray separators when one is missing). */
export function metaLine(parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(' · ');
}
