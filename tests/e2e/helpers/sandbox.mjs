// What the journeys need to know about the payment sandbox and the HLS layout
// (docs/api/payments.md, docs/media.md).

export const sandbox = {
  /** On the sandbox's hosted checkout page: pay, and follow the redirect back into the app. */
  async pay(page) {
    await page.getByRole('button', { name: /^pay/i }).click({ timeout: 30_000 });
  },

  /** Ends the fan's current billing period through the sandbox control. */
  async endPeriod(server, page) {
    void server;
    void page;
    throw new Error('sandbox period control: not wired yet (docs/api/payments.md)');
  },

  /** Segment URLs of one rung: rungs live in `<kbps>/` directories, segments are .m4s. */
  segmentsOfRung(urls, kbps) {
    return urls.filter((u) => new URL(u).pathname.includes(`/${kbps}/`) && /\.m4s$/.test(new URL(u).pathname));
  },
};
