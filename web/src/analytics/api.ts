import { ApiError, currentAccessToken, get, qs } from '../api/client';

export type Period = '7d' | '30d' | '90d' | '365d';
export const PERIODS: { value: Period; label: string }[] = [
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '365d', label: '1 year' },
];

export type SeriesPoint = {
  day: string;
  plays?: number;
  listeners?: number;
  followers?: number;
  followersGained?: number;
  followersLost?: number;
  supporters?: number;
  superfans?: number;
  mrrCents?: number;
  grossCents?: number;
  netCents?: number;
};

export type Dashboard = {
  period: Period;
  days: number;
  from: string;
  to: string;
  currency: string;
  rolledUntil: string | null;
  plays: number;
  listeners: number;
  followers: { total: number; gained: number; lost: number };
  subscribers: { supporter: number; superfan: number; started: number; ended: number };
  mrr: { currency: string; cents: number }[];
  churn: { rate: number | null; ended: number; atStart: number };
  revenue: { currency: string; grossCents: number; netCents: number }[];
  topTracks: { trackId: string; title: string | null; plays: number }[];
  topFans: { userId: string; username: string | null; plays: number }[];
  countries: { country: string; plays: number }[];
  series: SeriesPoint[];
};

export const analytics = {
  dashboard: (period: Period, signal?: AbortSignal) =>
    get<Dashboard>(`/api/artists/analytics${qs({ period })}`, signal),
  // The CSV as a file download (the API needs the bearer token, so no plain link).
  async downloadCsv(period: Period): Promise<void> {
    const token = await currentAccessToken();
    const res = await fetch(`/api/artists/analytics/export${qs({ period })}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      const e = body?.error ?? {};
      throw new ApiError(res.status, e.code ?? 'http_error', e.message ?? 'The export could not be made. Try again.', e.details ?? {});
    }
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `analytics-${period}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};
