// Buying music (docs/buying.md): prices, purchases, the collection, downloads and sales.
import { ApiError, api, del, get, post, put, qs } from './client';
import type { ImageUrls } from './types';

export type ItemType = 'release' | 'track';
export type Offer = {
  itemType: ItemType;
  itemId: string;
  title: string;
  releaseId: string | null;
  priceCents: number | null;
  nameYourPrice: boolean;
  currency: string;
  owned?: boolean;
};
export type Offers = { artistId: string; currency: string; offers: Offer[]; ownedItemIds: string[] };
export type Order = { purchaseId: string; checkoutId: string; checkoutUrl: string; amountCents: number; currency: string };
export type DownloadFormat = 'original' | 'flac' | 'mp3_320' | 'aac_256';
export const FORMAT_LABEL: Record<DownloadFormat, string> = {
  original: 'Original file',
  flac: 'FLAC (lossless)',
  mp3_320: 'MP3 320 kbps',
  aac_256: 'AAC 256 kbps',
};
export type CollectionTrack = { id: string; title: string; position: number; status: string; durationS: number | null; downloadable: boolean };
export type CollectionItem = {
  purchaseId: string;
  itemType: ItemType;
  itemId: string;
  title: string;
  releaseId: string | null;
  artist: { id: string; stageName: string; slug: string };
  artwork: ImageUrls | null;
  amountCents: number;
  currency: string;
  purchasedAt: string;
  tracks: CollectionTrack[];
};
export type DownloadLink = { url: string; expiresAt: string; filename: string; format: DownloadFormat };
export type Sale = {
  paymentId: string;
  purchaseId: string;
  itemType: ItemType;
  itemId: string;
  title: string;
  fan: { username: string };
  amountCents: number;
  processorFeeCents: number;
  platformFeeCents: number;
  artistCents: number;
  refundedCents: number;
  currency: string;
  paymentStatus: string;
  purchaseStatus: 'pending' | 'active' | 'expired' | 'revoked';
  createdAt: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const buying = {
  offers: (artist: string, signal?: AbortSignal) => get<Offers>(`/api/artists/${encodeURIComponent(artist)}/offers`, signal),
  setPrice: (type: ItemType, id: string, priceCents: number, nameYourPrice: boolean) =>
    put<Offer>(`/api/${type}s/${id}/price`, { priceCents, nameYourPrice }),
  clearPrice: (type: ItemType, id: string) => del<Offer>(`/api/${type}s/${id}/price`),
  buy: (type: ItemType, id: string, amountCents?: number) =>
    post<Order>('/api/purchases', { [type === 'release' ? 'releaseId' : 'trackId']: id, ...(amountCents ? { amountCents } : {}) }),
  collection: (signal?: AbortSignal) => get<{ items: CollectionItem[] }>('/api/me/collection', signal),
  // A rendition not made yet answers 202: ask again until the link is there.
  async download(trackId: string, format: DownloadFormat, onPreparing?: () => void): Promise<DownloadLink> {
    for (let i = 0; i < 300; i++) {
      const res = await api<DownloadLink | { status: 'preparing'; retryAfterS?: number }>('POST', `/api/content/${trackId}/download`, { body: { format } });
      if ('url' in res) return res;
      onPreparing?.();
      await sleep(Math.min(5, res.retryAfterS ?? 2) * 500);
    }
    throw new ApiError(504, 'timeout', 'The file is taking long to prepare. Try again in a minute.');
  },
  sales: (signal?: AbortSignal, page = 1) =>
    get<{ sales: Sale[]; total: number }>(`/api/artists/sales${qs({ page, limit: 50 })}`, signal),
  refund: (paymentId: string) => post(`/api/artists/sales/${paymentId}/refund`),
};

// "$5.00" or "$5.00 or more".
export function priceLabel(o: Pick<Offer, 'priceCents' | 'nameYourPrice' | 'currency'>, format: (c: number, cur: string) => string): string {
  if (o.priceCents == null) return '';
  return o.nameYourPrice ? `${format(o.priceCents, o.currency)} or more` : format(o.priceCents, o.currency);
}

// "7.50" → 750; null when it is not an amount of money.
export function parseAmount(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(t)) return null;
  const [whole, frac = ''] = t.split('.');
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2));
}
