// Posts and the home feed (docs/posts.md).
import type { Comment, Track } from '../api/types';

export type PostLock = { reason: 'followers' | 'tier'; requiredTier: 'supporter' | 'superfan' | null } | null;
export type Visibility = 'public' | 'followers' | 'min_tier';

export type Post = {
  id: string;
  artistId: string;
  artistName: string;
  artistSlug: string;
  title: string;
  visibility: Visibility;
  minTier: 'supporter' | 'superfan' | null;
  publishAt: string;
  scheduled: boolean;
  likeCount: number;
  commentCount: number;
  liked: boolean;
  createdAt: string;
  locked: PostLock;
  /** Rendered and sanitised by the server (libcmark + an allow-list): the one HTML the app inserts. */
  bodyHtml?: string;
  body?: string;
  image?: Record<string, string> | null;
  tracks?: Track[];
};
export type PostPage = { posts: Post[]; nextCursor: string | null };

export type FeedRelease = {
  id: string;
  artistId: string;
  artistName: string;
  artistSlug: string;
  title: string;
  kind: string;
  releasedAt: string;
  trackCount: number;
  locked: { requiredTier: string | null; availableAt: string | null } | null;
};
export type FeedItem = { type: 'post'; at: string; post: Post } | { type: 'release'; at: string; release: FeedRelease };
export type FeedPage = { items: FeedItem[]; nextCursor: string | null };

export type CommentPage = { comments: (Comment & { replies?: Comment[] })[] };
