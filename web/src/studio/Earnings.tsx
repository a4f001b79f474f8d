import { useState } from 'react';
import { errorMessage } from '../api/client';
import { buying } from '../api/buying';
import { payments } from '../api/payments';
import { formatDate, formatPrice } from '../api/types';
import { ErrorBox, Loading, Notice, useAsync } from '../components/ui';

export function EarningsPanel() {
  const earnings = useAsync((s) => payments.earnings(s), []);
  const payouts = useAsync((s) => payments.payouts(s), []);
  const sales = useAsync((s) => buying.sales(s), []);
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
      sales.reload();
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
      <h2 id="sales-h">Sales</h2>
      {sales.loading && !sales.data ? <Loading /> : <ErrorBox message={sales.error} />}
      {sales.data && sales.data.sales.length === 0 && <p className="muted">No sales yet: put a release or track on sale in Releases.</p>}
      {sales.data && sales.data.sales.length > 0 && (
        <div className="table-wrap">
          <table aria-labelledby="sales-h">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">What</th>
                <th scope="col">Fan</th>
                <th scope="col">Paid</th>
                <th scope="col">Processor fee</th>
                <th scope="col">Platform fee</th>
                <th scope="col">You earn</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sales.data.sales.map((x) => (
                <tr key={x.paymentId} data-testid="sale">
                  <td>{formatDate(x.createdAt)}</td>
                  <td className="wrap">{x.title}</td>
                  <td className="wrap">{x.fan.username || '—'}</td>
                  <td>{formatPrice(x.amountCents, x.currency)}</td>
                  <td>{formatPrice(x.processorFeeCents, x.currency)}</td>
                  <td>{formatPrice(x.platformFeeCents, x.currency)}</td>
                  <td>{formatPrice(x.artistCents, x.currency)}</td>
                  <td>{x.refundedCents > 0 ? `refunded ${formatPrice(x.refundedCents, x.currency)}` : x.purchaseStatus === 'revoked' ? 'revoked' : x.purchaseStatus === 'active' ? 'paid' : 'paid twice: refund it'}</td>
                  <td>
                    {x.refundedCents === 0 && x.paymentStatus === 'succeeded' && (
                      <button
                        type="button"
                        className="btn btn--ghost btn--small"
                        onClick={() =>
                          window.confirm(`Refund ${formatPrice(x.amountCents, x.currency)} to ${x.fan.username || 'the fan'}? They lose the purchase and its downloads.`) &&
                          act(() => buying.refund(x.paymentId), 'Refunded: the purchase is revoked.')
                        }
                      >
                        Refund<span className="visually-hidden"> {x.title} to {x.fan.username}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
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
