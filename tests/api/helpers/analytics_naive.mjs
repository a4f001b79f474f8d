// The artist dashboard computed the naive way: straight from the raw event tables (play_events,
// follow_events, subscription_events) and the ledger, with no rollup. The analytics test compares
// every figure of GET /api/artists/analytics with this; bench/analytics times both on a year of
// history. Same rules as docs/analytics.md: a period of N days is the N UTC days ending today.

export const PERIODS = { '7d': 7, '30d': 30, '90d': 90, '365d': 365, '1y': 365 };

export async function naiveDashboard(pool, artistId, period) {
  const days = PERIODS[period];
  const q = async (sql, params = []) => (await pool.query(sql, [artistId, days, ...params])).rows;
  // $1 artist, $2 days; the period starts at S (a date) and its timestamp S_TS.
  const S = `((now() AT TIME ZONE 'UTC')::date - ($2::int - 1))`;
  const S_TS = `(${S}::timestamp AT TIME ZONE 'UTC')`;
  const DAY = (col) => `(${col} AT TIME ZONE 'UTC')::date`;
  const [{ from, to }] = await q(`SELECT ${S}::text AS from, (now() AT TIME ZONE 'UTC')::date::text AS to, $1::uuid AS a`);
  const int = (v) => Number(v ?? 0);

  const [p] = await q(`SELECT count(*) AS plays, count(DISTINCT user_id) AS listeners FROM play_events
                        WHERE artist_id = $1 AND played_at >= ${S_TS} AND $2::int > 0`);
  const [f] = await q(`SELECT coalesce(sum(delta), 0) AS total,
                              count(*) FILTER (WHERE delta > 0 AND at >= ${S_TS}) AS gained,
                              count(*) FILTER (WHERE delta < 0 AND at >= ${S_TS}) AS lost
                         FROM follow_events WHERE artist_id = $1`);
  const [s] = await q(`SELECT coalesce(sum(supporter_delta), 0) AS supporter, coalesce(sum(superfan_delta), 0) AS superfan,
                              count(*) FILTER (WHERE kind = 'start' AND at >= ${S_TS}) AS started,
                              count(*) FILTER (WHERE kind = 'end' AND at >= ${S_TS}) AS ended,
                              coalesce(sum(supporter_delta + superfan_delta) FILTER (WHERE at < ${S_TS}), 0) AS at_start
                         FROM subscription_events WHERE artist_id = $1`);
  const mrr = await q(`SELECT currency, sum(mrr_delta_cents) AS cents FROM subscription_events
                        WHERE artist_id = $1 AND $2::int > 0 GROUP BY currency HAVING sum(mrr_delta_cents) <> 0 ORDER BY currency`);
  const LEDGER = `-coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'fan_payments' AND x.kind IN ('subscription', 'proration', 'tip')), 0) AS gross,
                  coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'artist_available' AND x.kind IN ('subscription', 'proration', 'tip', 'refund', 'dispute', 'dispute_won')), 0) AS net
                  FROM ledger_transactions x JOIN ledger_entries e ON e.txn_id = x.id JOIN ledger_accounts a ON a.id = e.account_id
                  WHERE x.artist_id = $1 AND x.created_at >= ${S_TS}`;
  const revenue = await q(`SELECT x.currency, ${LEDGER} GROUP BY x.currency
                            HAVING sum(e.amount_cents) FILTER (WHERE a.kind IN ('fan_payments', 'artist_available')) IS NOT NULL ORDER BY x.currency`);
  const tracks = await q(`SELECT g.track_id, t.title, g.n FROM (SELECT track_id, count(*) AS n FROM play_events
                           WHERE artist_id = $1 AND played_at >= ${S_TS} GROUP BY track_id) g LEFT JOIN tracks t ON t.id = g.track_id
                           ORDER BY g.n DESC, g.track_id LIMIT 10`);
  const fans = await q(`SELECT g.user_id, u.username, g.n FROM (SELECT user_id, count(*) AS n FROM play_events
                         WHERE artist_id = $1 AND user_id IS NOT NULL AND played_at >= ${S_TS} GROUP BY user_id) g
                         LEFT JOIN users u ON u.id = g.user_id ORDER BY g.n DESC, g.user_id LIMIT 10`);
  const countries = await q(`SELECT country, count(*) AS n FROM play_events WHERE artist_id = $1 AND played_at >= ${S_TS}
                              GROUP BY country ORDER BY n DESC, country`);
  // The series' money currency: most gross in the period, else most MRR now, else USD.
  let currency = 'USD';
  const grossy = revenue.filter((r) => int(r.gross) > 0).sort((a, b) => int(b.gross) - int(a.gross) || a.currency.localeCompare(b.currency));
  const mrry = mrr.filter((r) => int(r.cents) > 0).sort((a, b) => int(b.cents) - int(a.cents) || a.currency.localeCompare(b.currency));
  if (grossy.length) currency = grossy[0].currency;
  else if (mrry.length) currency = mrry[0].currency;

  // Per day: each event table grouped by day (no correlated scans), cumulative states by window sums.
  const series = await q(`
    WITH d AS (SELECT generate_series(${S}, (now() AT TIME ZONE 'UTC')::date, interval '1 day')::date AS day),
    p AS (SELECT ${DAY('played_at')} AS day, count(*) AS plays, count(DISTINCT user_id) AS listeners FROM play_events
           WHERE artist_id = $1 AND played_at >= ${S_TS} GROUP BY 1),
    f AS (SELECT ${DAY('at')} AS day, sum(delta) AS net, count(*) FILTER (WHERE delta > 0) AS gained,
                 count(*) FILTER (WHERE delta < 0) AS lost FROM follow_events WHERE artist_id = $1 GROUP BY 1),
    s AS (SELECT ${DAY('at')} AS day, sum(supporter_delta) AS sup, sum(superfan_delta) AS sf,
                 coalesce(sum(mrr_delta_cents) FILTER (WHERE currency = $3), 0) AS mrr
            FROM subscription_events WHERE artist_id = $1 GROUP BY 1),
    r AS (SELECT ${DAY('x.created_at')} AS day,
                 -coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'fan_payments' AND x.kind IN ('subscription', 'proration', 'tip')), 0) AS gross,
                 coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'artist_available' AND x.kind IN ('subscription', 'proration', 'tip', 'refund', 'dispute', 'dispute_won')), 0) AS net
            FROM ledger_transactions x JOIN ledger_entries e ON e.txn_id = x.id JOIN ledger_accounts a ON a.id = e.account_id
           WHERE x.artist_id = $1 AND x.currency = $3 AND x.created_at >= ${S_TS} GROUP BY 1)
    SELECT d.day::text AS day, coalesce(p.plays, 0) AS plays, coalesce(p.listeners, 0) AS listeners,
      (SELECT coalesce(sum(net), 0) FROM f WHERE f.day <= d.day) AS followers,
      coalesce((SELECT gained FROM f WHERE f.day = d.day), 0) AS gained,
      coalesce((SELECT lost FROM f WHERE f.day = d.day), 0) AS lost,
      (SELECT coalesce(sum(sup), 0) FROM s WHERE s.day <= d.day) AS supporters,
      (SELECT coalesce(sum(sf), 0) FROM s WHERE s.day <= d.day) AS superfans,
      (SELECT coalesce(sum(mrr), 0) FROM s WHERE s.day <= d.day) AS mrr,
      coalesce(r.gross, 0) AS gross, coalesce(r.net, 0) AS net
    FROM d LEFT JOIN p ON p.day = d.day LEFT JOIN r ON r.day = d.day ORDER BY d.day`, [currency]);

  const ended = int(s.ended);
  const atStart = int(s.at_start);
  return {
    period: `${days}d`, days, from, to, currency, // "1y" is answered as "365d"
    plays: int(p.plays),
    listeners: int(p.listeners),
    followers: { total: int(f.total), gained: int(f.gained), lost: int(f.lost) },
    subscribers: { supporter: int(s.supporter), superfan: int(s.superfan), started: int(s.started), ended },
    mrr: mrr.map((r) => ({ currency: r.currency, cents: int(r.cents) })),
    churn: { rate: atStart > 0 ? ended / atStart : null, ended, atStart },
    revenue: revenue.filter((r) => int(r.gross) !== 0 || int(r.net) !== 0)
      .map((r) => ({ currency: r.currency, grossCents: int(r.gross), netCents: int(r.net) })),
    topTracks: tracks.map((r) => ({ trackId: r.track_id, title: r.title, plays: int(r.n) })),
    topFans: fans.map((r) => ({ userId: r.user_id, username: r.username, plays: int(r.n) })),
    countries: countries.map((r) => ({ country: r.country, plays: int(r.n) })),
    series: series.map((r) => ({
      day: r.day, plays: int(r.plays), listeners: int(r.listeners), followers: int(r.followers),
      followersGained: int(r.gained), followersLost: int(r.lost), supporters: int(r.supporters),
      superfans: int(r.superfans), mrrCents: int(r.mrr), grossCents: int(r.gross), netCents: int(r.net),
    })),
  };
}
