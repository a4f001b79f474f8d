// A local Stripe double for tests: the REST endpoints StripeProvider uses, with Stripe's request
// format (form-encoded, bracket keys, Bearer secret key, Idempotency-Key), response objects and
// error objects ({"error": {type, code, message, param}}). It keeps objects in memory, records
// every request, and can deliver signed events to a webhook URL like Stripe does.
import http from 'node:http';
import crypto from 'node:crypto';

/** Stripe's form encoding → nested object: a[b][0][c]=v. */
export function decodeForm(text) {
  const out = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = parts[i + 1];
      node[parts[i]] ??= /^\d+$/.test(next) ? [] : {};
      node = node[parts[i]];
    }
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

const id = (prefix) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

function stripeError(res, status, type, message, { code, param } = {}) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { type, message, ...(code ? { code } : {}), ...(param ? { param } : {}) } }));
}

export async function startStripeDouble({ secretKey }) {
  const objects = new Map();
  const requests = [];
  const idempotent = new Map();
  const missing = (res, param) => stripeError(res, 400, 'invalid_request_error', `Missing required param: ${param}.`, { code: 'parameter_missing', param });
  const notFound = (res, what, oid) => stripeError(res, 404, 'invalid_request_error', `No such ${what}: '${oid}'`, { code: 'resource_missing', param: 'id' });

  const routes = [
    ['POST', /^\/v1\/customers$/, (p) => ({ id: id('cus'), object: 'customer', email: p.email ?? null, metadata: p.metadata ?? {} })],
    ['POST', /^\/v1\/prices$/, (p, res) => {
      if (!p.currency) return missing(res, 'currency');
      if (!p.unit_amount || !/^\d+$/.test(p.unit_amount)) return missing(res, 'unit_amount');
      return { id: id('price'), object: 'price', active: true, currency: p.currency, unit_amount: Number(p.unit_amount),
        recurring: p.recurring ? { interval: p.recurring.interval, interval_count: 1 } : null, metadata: p.metadata ?? {} };
    }],
    ['POST', /^\/v1\/checkout\/sessions$/, (p, res) => {
      if (!p.mode) return missing(res, 'mode');
      if (!p.success_url) return missing(res, 'success_url');
      if (!Array.isArray(p.line_items) || !p.line_items.length) return missing(res, 'line_items');
      const item = p.line_items[0];
      let amount;
      let currency;
      if (item.price) {
        const price = objects.get(item.price);
        if (!price) return notFound(res, 'price', item.price);
        amount = price.unit_amount; currency = price.currency;
      } else {
        amount = Number(item.price_data?.unit_amount); currency = item.price_data?.currency;
      }
      const sid = id('cs_test');
      return { id: sid, object: 'checkout.session', mode: p.mode, status: 'open', payment_status: 'unpaid',
        url: `https://checkout.stripe.test/c/pay/${sid}`, customer: p.customer ?? null, client_reference_id: p.client_reference_id ?? null,
        amount_total: amount, currency, metadata: p.metadata ?? {}, line_items_input: p.line_items,
        subscription_data: p.subscription_data ?? null, payment_intent_data: p.payment_intent_data ?? null };
    }],
    ['GET', /^\/v1\/subscriptions\/([^/]+)$/, (p, res, m) => objects.get(m[1]) ?? notFound(res, 'subscription', m[1])],
    ['POST', /^\/v1\/subscriptions\/([^/]+)$/, (p, res, m) => {
      const sub = objects.get(m[1]);
      if (!sub) return notFound(res, 'subscription', m[1]);
      if (p.cancel_at_period_end !== undefined) sub.cancel_at_period_end = p.cancel_at_period_end === 'true';
      if (p.items) {
        const price = objects.get(p.items[0].price);
        if (!price) return notFound(res, 'price', p.items[0].price);
        if (p.items[0].id !== sub.items.data[0].id) return notFound(res, 'subscription item', p.items[0].id);
        sub.items.data[0].price = price;
      }
      if (p.metadata) Object.assign(sub.metadata, p.metadata);
      return sub;
    }],
    ['DELETE', /^\/v1\/subscriptions\/([^/]+)$/, (p, res, m) => {
      const sub = objects.get(m[1]);
      if (!sub) return notFound(res, 'subscription', m[1]);
      sub.status = 'canceled'; sub.ended_at = now();
      return sub;
    }],
    ['POST', /^\/v1\/refunds$/, (p, res) => {
      if (!p.payment_intent && !p.charge) return missing(res, 'charge');
      return { id: id('re'), object: 'refund', amount: Number(p.amount), payment_intent: p.payment_intent, status: 'succeeded' };
    }],
    ['POST', /^\/v1\/accounts$/, (p) => ({ id: id('acct'), object: 'account', type: p.type, email: p.email, charges_enabled: false,
      payouts_enabled: false, details_submitted: false, metadata: p.metadata ?? {} })],
    ['POST', /^\/v1\/account_links$/, (p, res) => {
      if (!p.account) return missing(res, 'account');
      return { object: 'account_link', url: `https://connect.stripe.test/setup/e/${p.account}`, expires_at: now() + 300 };
    }],
    ['POST', /^\/v1\/transfers$/, (p, res) => {
      if (!p.destination) return missing(res, 'destination');
      const acct = objects.get(p.destination);
      if (!acct) return notFound(res, 'account', p.destination);
      if (!acct.payouts_enabled) return stripeError(res, 400, 'invalid_request_error', 'Your destination account needs to have at least one of the following capabilities enabled: transfers', { code: 'insufficient_capabilities_for_transfer' });
      return { id: id('tr'), object: 'transfer', amount: Number(p.amount), currency: p.currency, destination: p.destination,
        metadata: p.metadata ?? {}, reversed: false, amount_reversed: 0 };
    }],
  ];

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      requests.push({ method: req.method, path: req.url, headers: req.headers, body, params: decodeForm(body) });
      if (auth !== `Bearer ${secretKey}`) {
        return stripeError(res, 401, 'invalid_request_error', 'Invalid API Key provided');
      }
      if (req.method === 'POST' && req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        return stripeError(res, 400, 'invalid_request_error', 'Invalid request: bodies must be form-encoded');
      }
      const key = req.headers['idempotency-key'];
      if (key && idempotent.has(key)) {
        res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
        return res.end(JSON.stringify(idempotent.get(key)));
      }
      for (const [method, re, handler] of routes) {
        const m = re.exec(req.url.split('?')[0]);
        if (!m || method !== req.method) continue;
        const out = handler(decodeForm(body), res, m);
        if (out === undefined || res.headersSent) return undefined;
        if (out.id) objects.set(out.id, out);
        if (key) idempotent.set(key, out);
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': id('req') });
        return res.end(JSON.stringify(out));
      }
      return stripeError(res, 404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${req.url}).`);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
