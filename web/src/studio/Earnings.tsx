import { useState } from 'react';
import { errorMessage } from '../api/client';
import { payments } from '../api/payments';
import { formatDate, formatPrice } from '../api/types';
import { ErrorBox, Loading, Notice, useAsync } from '../components/ui';

export function EarningsPanel() {
  const earnings = useAsync((s) => payments.earnings(s), []);
  const payouts = useAsync((s) => payments.payouts(s), []);
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const e = earnings.data;
  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    setMsg(null);
    try {
      await fn();
      setMsg(done);
      earnings.reload();
      payouts.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const connect = async () => {
    setError(null);
    try {
      const r = await payments.connectPayouts();
      if (r.onboardingUrl && !r.payoutsEnabled) window.location.assign(r.onboardingUrl);
      else earnings.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section aria-labelledby="earn-h">
      <h1 id="earn-h">Earnings and payouts</h1>
      {earnings.loading && !earnings.data ? <Loading /> : <ErrorBox message={earnings.error} />}
      {e === null && <p className="muted">Payments are not offered on this server yet.</p>}
      {e && (
        <>
          {e.balances.length === 0 && e.totals.length === 0 && <p className="muted">No earnings yet.</p>}
          {e.balances.map((b) => {
            const total = e.totals.find((t) => t.currency === b.currency);
            return (
              <div key={b.currency}>
                <dl className="stats">
                  <div className="card stat">
                    <dt>Available</dt>
                    <dd>{formatPrice(b.availableCents, b.currency)}</dd>
                  </div>
                  <div className="card stat">
                    <dt>In transit</dt>
                    <dd>{formatPrice(b.inTransitCents, b.currency)}</dd>
                  </div>
                  <div className="card stat">
                    <dt>Paid out</dt>
                    <dd>{formatPrice(b.paidOutCents, b.currency)}</dd>
                  </div>
                  {total && (
                    <>
                      <div className="card stat">
                        <dt>Gross</dt>
                        <dd>{formatPrice(total.grossCents, b.currency)}</dd>
                      </div>
                      <div className="card stat">
                        <dt>Fees (processor + platform)</dt>
                        <dd>{formatPrice(total.processorFeesCents + total.platformFeesCents, b.currency)}</dd>
                      </div>
                      <div className="card stat">
                        <dt>Net</dt>
                        <dd>{formatPrice(total.netCents, b.currency)}</dd>
                      </div>
                    </>
                  )}
                </dl>
                <p className="row">
                  <button
                    type="button"
                    className="btn btn--primary"
                    disabled={!e.payoutsEnabled || b.availableCents < e.minimumPayoutCents}
                    onClick={() => act(() => payments.requestPayout(b.currency), 'Payout requested.')}
                  >
                    Pay out {formatPrice(b.availableCents, b.currency)} now
                  </button>
                </p>
              </div>
            );
          })}
          <p className="muted small">Payouts run monthly, or on demand from an available balance of at least {formatPrice(e.minimumPayoutCents, 'USD')}.</p>
          {!e.payoutsEnabled && (
            <button type="button" className="btn" onClick={connect}>
              Set up payouts
            </button>
          )}
        </>
      )}
      <ErrorBox message={error} />
      {msg && <Notice>{msg}</Notice>}
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
                <tr key={p.id}>
                  <td>{formatDate(p.createdAt)}</td>
                  <td>{formatPrice(p.amountCents, p.currency)}</td>
                  <td>
                    {p.status}
                    {p.failureReason ? ` (${p.failureReason})` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
