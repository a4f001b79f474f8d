import { lazy, Suspense, useMemo, useState } from 'react';
import { errorMessage } from '../api/client';
import { counted, formatPrice } from '../api/types';
import { analytics, PERIODS, type Dashboard, type Period } from '../analytics/api';
import type { Line } from '../analytics/Chart';
import { ErrorBox, Loading, useAsync } from '../components/ui';

// uPlot is only downloaded when this page draws its first chart.
const Chart = lazy(() => import('../analytics/Chart'));

const number = (n: number) => new Intl.NumberFormat().format(n);

export function AnalyticsPanel() {
  const [period, setPeriod] = useState<Period>('30d');
  const data = useAsync((s) => analytics.dashboard(period, s), [period]);
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const d = data.data;
  const download = async () => {
    setExportError(null);
    setExporting(true);
    try {
      await analytics.downloadCsv(period);
    } catch (err) {
      setExportError(`The CSV download failed: ${errorMessage(err)} Try again in a moment.`);
    } finally {
      setExporting(false);
    }
  };
  return (
    <section aria-labelledby="analytics-h" className="analytics">
      <h1 id="analytics-h">Analytics</h1>
      <div className="analytics__bar">
        <div role="group" aria-label="Period" className="analytics__periods">
          {PERIODS.map((p) => (
            <button key={p.value} type="button" className="btn" aria-pressed={period === p.value} onClick={() => setPeriod(p.value)}>
              {p.label}
            </button>
          ))}
        </div>
        <button type="button" className="btn" onClick={download} disabled={exporting}>
          {exporting ? 'Preparing CSV…' : 'Download CSV'}
        </button>
      </div>
      <ErrorBox message={exportError} />
      {data.loading && !d ? <Loading label="Loading analytics" /> : <ErrorBox message={data.error} />}
      {d && <DashboardView d={d} />}
    </section>
  );
}

function DashboardView({ d }: { d: Dashboard }) {
  const money = (cents: number) => formatPrice(cents, d.currency);
  const days = useMemo(() => d.series.map((p) => p.day), [d]);
  const charts = useMemo(() => {
    const col = (k: keyof Dashboard['series'][number]) => d.series.map((p) => Number(p[k] ?? 0));
    const c: { title: string; lines: Line[]; money?: boolean }[] = [
      { title: 'Plays and listeners per day', lines: [{ label: 'Plays', values: col('plays'), color: '#8b7bff', bars: true }, { label: 'Listeners', values: col('listeners'), color: '#4fd1c5' }] },
      { title: 'Followers', lines: [{ label: 'Followers', values: col('followers'), color: '#f6ad55' }] },
      { title: 'Subscribers', lines: [{ label: 'Supporters', values: col('supporters'), color: '#68d391' }, { label: 'Superfans', values: col('superfans'), color: '#fc8181' }] },
      { title: `Revenue per day (${d.currency})`, money: true, lines: [{ label: 'Gross', values: col('grossCents'), color: '#63b3ed', bars: true }, { label: 'Net', values: col('netCents'), color: '#f6e05e' }] },
      { title: `MRR (${d.currency})`, money: true, lines: [{ label: 'MRR', values: col('mrrCents'), color: '#b794f4' }] },
    ];
    return c;
  }, [d]);
  const mrr = d.mrr.length ? d.mrr.map((m) => formatPrice(m.cents, m.currency)).join(' · ') : money(0);
  return (
    <>
      <p className="muted">
        {d.from} to {d.to} (UTC). Listeners are signed-in listeners.
      </p>
      <dl className="stats">
        <Stat label="Plays" value={number(d.plays)} />
        <Stat label="Unique listeners" value={number(d.listeners)} />
        <Stat label="Followers" value={number(d.followers.total)} sub={`+${number(d.followers.gained)} / −${number(d.followers.lost)} in period`} />
        <Stat label="Subscribers" value={number(d.subscribers.supporter + d.subscribers.superfan)} sub={`${counted(d.subscribers.supporter, 'supporter', undefined, number)} · ${counted(d.subscribers.superfan, 'superfan', undefined, number)}`} />
        <Stat label="MRR" value={mrr} />
        <Stat label="Churn" value={d.churn.rate == null ? '–' : `${(d.churn.rate * 100).toFixed(1)} %`} sub={`${number(d.churn.ended)} of ${number(d.churn.atStart)} ended`} />
        {d.revenue.length === 0 && <Stat label="Revenue" value={money(0)} />}
        {d.revenue.map((r) => (
          <Stat key={r.currency} label={`Revenue (${r.currency})`} value={formatPrice(r.grossCents, r.currency)} sub={`net ${formatPrice(r.netCents, r.currency)}`} />
        ))}
      </dl>
      <Suspense fallback={<Loading label="Loading charts" />}>
        <div className="analytics__charts">
          {charts.map((c) => (
            <figure key={c.title} className="card analytics__chart">
              <figcaption>{c.title}</figcaption>
              <Chart title={c.title} days={days} lines={c.lines} format={c.money ? (v) => money(v) : undefined} />
            </figure>
          ))}
        </div>
      </Suspense>
      <div className="analytics__tables">
        <Ranked caption="Top tracks" head="Track" rows={d.topTracks.map((t) => [t.trackId, t.title ?? 'Deleted track', t.plays])} />
        <Ranked caption="Top fans" head="Fan" rows={d.topFans.map((f) => [f.userId, f.username ?? 'Deleted user', f.plays])} />
        <Ranked caption="Countries" head="Country" rows={d.countries.map((c) => [c.country, c.country === 'ZZ' ? 'Unknown' : c.country, c.plays])} />
      </div>
    </>
  );
}

function Stat({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div className="card stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
      {sub && <dd className="muted stat__sub">{sub}</dd>}
    </div>
  );
}

function Ranked({ caption, head, rows }: { caption: string; head: string; rows: [string, string, number][] }) {
  return (
    <div className="card table-scroll">
      <table className="analytics__table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col">Plays</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={2} className="muted">
                No plays in this period.
              </td>
            </tr>
          )}
          {rows.map(([key, name, plays]) => (
            <tr key={key}>
              <td>{name}</td>
              <td>{number(plays)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
