// Memberships and payments (docs/api/payments.md). Paths in one place.
import { get, ifOffered, post, put, qs } from './client';
import type { TierName } from './types';

export type Subscription = {
  id: string;
  artistId: string;
  artist?: { id: string; stageName: string; slug: string };
  tier: TierName;
  status: 'incomplete' | 'active' | 'past_due' | 'canceled';
  access?: TierName;
  priceCents?: number;
  currency?: string;
  currentPeriodStart?: string | null;
  currentPeriodEnd?: string | null;
  cancelAtPeriodEnd?: boolean;
  pendingTier?: TierName | null;
  failedPaymentAttempts?: number;
};

export type Payment = {
  id: string;
  kind: 'subscription' | 'proration' | 'tip';
  artistId?: string | null;
  artistName?: string | null;
  refundedCents?: number;
  tier?: string | null;
  amountCents: number;
  currency: string;
  status: string;
  message?: string | null;
  createdAt: string;
};

export type Checkout = { checkoutId: string; checkoutUrl: string; clientSecret: string | null; provider: string };

// The payments sandbox's hosted checkout (only without Stripe), for the checkout's own fan.
export type SandboxCheckout = {
  id: string;
  status: 'open' | 'complete' | 'expired';
  mode: 'subscription' | 'payment';
  item: string;
  amountCents: number;
  currency: string;
  monthly: boolean;
};
export type SandboxOutcome = { checkoutSessionId: string; status: string; paymentStatus: string; redirectUrl: string };

export type Earnings = {
  balances: { currency: string; availableCents: number; inTransitCents: number; paidOutCents: number }[];
  totals: { currency: string; grossCents: number; processorFeesCents: number; platformFeesCents: number; netCents: number; refundedCents: number }[];
  payoutsEnabled: boolean;
  minimumPayoutCents: number;
};

export type Payout = {
  id: string;
  amountCents: number;
  currency: string;
  trigger: 'monthly' | 'on_demand';
  status: 'pending' | 'paid' | 'failed';
  failureReason?: string | null;
  createdAt: string;
};

// The artist whose checkout is under way, for the page the provider sends the fan back to.
const CHECKOUT_KEY = 'mc.checkoutArtist';
// What the fan chose before leaving for the provider's page (this tab's sessionStorage): the sandbox
// page names the artist and tier from it, the return page links back to the artist.
export type PendingCheckout = { slug: string; stageName?: string; tier?: TierName };
function readPending(): PendingCheckout | null {
  const v = sessionStorage.getItem(CHECKOUT_KEY);
  if (!v) return null;
  try {
    const p = JSON.parse(v);
    if (p && typeof p.slug === 'string') return p as PendingCheckout;
  } catch {
    /* an older tab's plain slug */
  }
  return { slug: v };
}
export const pendingCheckout = {
  set: (p: PendingCheckout) => sessionStorage.setItem(CHECKOUT_KEY, JSON.stringify(p)),
  peek: readPending,
  take: () => {
    const p = readPending();
    sessionStorage.removeItem(CHECKOUT_KEY);
    return p?.slug ?? null;
  },
};

export const payments = {
  // The provider's hosted page comes back to /checkout/success or /checkout/cancel.
  subscribe: (artistId: string, tier: TierName) => post<Checkout>('/api/subscriptions/create', { artistId, tier }),
  change: (id: string, tier: TierName) => post<Subscription>(`/api/subscriptions/${id}/change`, { tier }),
  active: (signal?: AbortSignal) => ifOffered(get<{ subscriptions: Subscription[] }>('/api/subscriptions/active', signal)),
  cancel: (id: string) => post<Subscription>(`/api/subscriptions/${id}/cancel`),
  resume: (id: string) => post<Subscription>(`/api/subscriptions/${id}/resume`),
  history: (signal?: AbortSignal, page = 1) =>
    ifOffered(get<{ payments: Payment[] }>(`/api/payments/history${qs({ page, limit: 50 })}`, signal)),
  // Each tier is its own write, and supporter must stay below superfan after each one: when the
  // supporter price rises past the current superfan price, superfan goes first.
  async setTiers(tiers: { tier: 'supporter' | 'superfan'; priceCents: number; perks: string[] }[], currentSuperfanCents: number) {
    const supporter = tiers.find((t) => t.tier === 'supporter');
    const ordered = supporter && supporter.priceCents >= currentSuperfanCents ? [...tiers].reverse() : tiers;
    for (const t of ordered) await put(`/api/artists/tiers/${t.tier}`, { priceCents: t.priceCents, perks: t.perks });
  },
  earnings: (signal?: AbortSignal) => ifOffered(get<Earnings>('/api/artists/earnings', signal)),
  payouts: (signal?: AbortSignal) => ifOffered(get<{ payouts: Payout[] }>('/api/artists/payouts', signal)),
  connectPayouts: () => post<{ onboardingUrl: string; payoutsEnabled: boolean }>('/api/artists/payouts/connect'),
  requestPayout: (currency: string) => post('/api/artists/payouts', { currency }),
  sandboxCheckout: (id: string, signal?: AbortSignal) =>
    get<SandboxCheckout>(`/api/sandbox/checkouts/${encodeURIComponent(id)}`, signal),
  sandboxAnswer: (id: string, pay: boolean) =>
    post<SandboxOutcome>(`/api/sandbox/checkouts/${encodeURIComponent(id)}/${pay ? 'pay' : 'decline'}`),
};
