// Memberships and payments (docs/api/payments.md). Paths in one place.
import { get, ifOffered, post, put, qs } from './client';
import type { TierName } from './types';

export type Subscription = {
  id: string;
  artistId: string;
  artist?: { id: string; stageName: string; slug: string };
  tier: TierName;
  status: string;
  priceCents?: number;
  currency?: string;
  currentPeriodEnd?: string | null;
  cancelAtPeriodEnd?: boolean;
  pendingTier?: TierName | null;
};

export type Payment = {
  id: string;
  kind: string;
  artistId?: string | null;
  artist?: { id: string; stageName: string; slug: string } | null;
  tier?: string | null;
  amountCents: number;
  currency: string;
  status: string;
  message?: string | null;
  createdAt: string;
};

export type Checkout = { checkoutUrl?: string; url?: string; clientSecret?: string; id?: string };

export const payments = {
  subscribe: (artistId: string, tier: TierName) => {
    const returnUrl = `${location.origin}/checkout/return`;
    return post<Checkout>('/api/subscriptions/create', { artistId, tier, successUrl: returnUrl, cancelUrl: returnUrl });
  },
  active: (signal?: AbortSignal) => ifOffered(get<{ subscriptions: Subscription[] }>('/api/subscriptions/active', signal)),
  cancel: (id: string) => post<Subscription>(`/api/subscriptions/${id}/cancel`),
  resume: (id: string) => post<Subscription>(`/api/subscriptions/${id}/resume`),
  history: (signal?: AbortSignal, page = 1) =>
    ifOffered(get<{ payments: Payment[] }>(`/api/payments/history${qs({ page, limit: 50 })}`, signal)),
  setTiers: (tiers: { tier: TierName; priceCents: number; perks: string[] }[]) => put('/api/artists/tiers', { tiers }),
  earnings: (signal?: AbortSignal) => ifOffered(get<Record<string, unknown>>('/api/artists/earnings', signal)),
  payouts: (signal?: AbortSignal) => ifOffered(get<{ payouts: Record<string, unknown>[] }>('/api/artists/payouts', signal)),
  requestPayout: () => post('/api/artists/payouts'),
};
