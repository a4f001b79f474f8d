// What the journeys need to know about the payment sandbox (docs/api/payments.md) and the HLS
// layout (docs/media.md).
import assert from 'node:assert/strict';
import { login } from '../../api/helpers/fixtures.mjs';

export const sandbox = {
  /** On the sandbox's hosted checkout page: Pay, which redirects back to /checkout/success. */
  async pay(page) {
    await page.getByRole('heading', { name: 'MusicConnect sandbox checkout' }).waitFor();
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
  },

  /** Ends the fan's current billing period for the artist through the sandbox control. */
  async endPeriod(server, { email, password }, artistId) {
    const { token } = await login(server.api, email, password);
    const active = await server.api.get('/api/subscriptions/active', { token });
    assert.equal(active.status, 200, active.text);
    const sub = active.body.subscriptions.find((s) => s.artistId === artistId);
    assert.ok(sub, `a subscription to ${artistId}: ${active.text}`);
    const res = await server.api.post(`/api/sandbox/subscriptions/${sub.id}/simulate`, { event: 'period_end' }, { token });
    assert.equal(res.status, 200, res.text);
    return res.body;
  },

  /** Segment URLs of one rung: rungs live in `<kbps>/` (or `lossless/`) directories, segments are .m4s. */
  segmentsOfRung(urls, kbps) {
    return urls.filter((u) => new URL(u).pathname.includes(`/${kbps}/`) && /\.m4s$/.test(new URL(u).pathname));
  },
};
