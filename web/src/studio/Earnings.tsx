import { useState } from 'react';
import { errorMessage } from '../api/client';
import { payments } from '../api/payments';
import { formatDate, formatPrice } from '../api/types';
import { ErrorBox, Loading, Notice, useAsync } from '../components/ui';

const cents = (v: unknown) => (typeof v === 'number' ? v : 0);

export function EarningsPanel() {
  const earnings = useAsync((s) => payments.earnings(s), []);
  const payouts = useAsync((s) => payments.payouts(s), []);
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const e = earnings.data ?? {};
  const currency = typeof e.currency === 'string' ? e.currency : 'USD';
  const payout = async () => {
    setError(null);
    setMsg(null);
    try {
      await payments.requestPayout();
      setMsg('Payout requested.');
      earnings.reload();
      payouts.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section aria-labelledby="earn-h">
      <h1 id="earn-h">Earnings and payouts</h1>
      {earnings.loading && !earnings.data ? <Loading /> : <ErrorBox message={earnings.error} />}
      {earnings.data === null && <p className="muted">Payments are not offered on this server yet.</p>}
      {earnings.data && (
        <dl className="stats">
          {(['availableCents', 'pendingCents', 'grossCents', 'netCents', 'paidOutCents'] as const)
            .filter((k) => k in e)
            .map((k) => (
              <div key={k} className="card stat">
                <dt>{k.replace(/Cents$/, '').replace(/^./, (c) => c.toUpperCase())}</dt>
                <dd>{formatPrice(cents(e[k]), currency)}</dd>
              </div>
            ))}
        </dl>
      )}
      <ErrorBox message={error} />
      {msg && <Notice>{msg}</Notice>}
      <button type="button" className="btn btn--primary" onClick={payout} disabled={!earnings.data || cents(e.availableCents) < 1000}>
        Pay out now
      </button>
      <p className="muted small">Payouts need an available balance of at least {formatPrice(1000, currency)}.</p>
      <h2>Payouts</h2>
      {payouts.loading && !payouts.data ? <Loading /> : <ErrorBox message={payouts.error} />}
      {payouts.data && payouts.data.payouts.length === 0 && <p className="muted">No payouts yet.</p>}
      {payouts.data && payouts.data.payouts.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {payouts.data.payouts.map((p) => (
                <tr key={String(p.id)}>
                  <td>{formatDate(String(p.createdAt ?? ''))}</td>
                  <td>{formatPrice(cents(p.amountCents), String(p.currency ?? currency))}</td>
                  <td>{String(p.status ?? '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
