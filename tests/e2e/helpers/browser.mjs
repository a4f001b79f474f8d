// Headless Chromium (Debian's package) driven by playwright-core, with a page that records every
// console error, uncaught exception, failed request and HTTP error, so a journey can assert that
// nothing went wrong along the way.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOT_DIR = process.env.MC_E2E_SCREENSHOTS || path.resolve(here, '..', 'screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  // Debian's /usr/bin/chromium is a shell wrapper around this binary.
  for (const p of ['/usr/lib/chromium/chromium', '/usr/bin/chromium']) if (fs.existsSync(p)) return p;
  throw new Error('chromium not found: install Debian\'s chromium package (scripts/setup.sh does) or set CHROMIUM_PATH');
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      // The e2e run is root in CI; Chromium's sandbox refuses to run as root.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--autoplay-policy=no-user-gesture-required',
      '--mute-audio',
    ],
  });
}

/**
 * A fresh browser context (its own storage: one user) and page at `baseUrl`.
 * `problems` collects what makes a journey fail; `allow(pattern)` admits an expected HTTP error.
 */
export async function openPage(browser, baseUrl, { viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport });
  const session = {
    context,
    problems: [],
    allowed: [],
    requests: [],
    allow(re) {
      session.allowed.push(re);
    },
    /** Another tab of the same browser profile (shared storage), watched like the first. */
    async newTab() {
      const page = await context.newPage();
      watch(session, page);
      return page;
    },
    async close() {
      await context.close();
    },
  };
  session.page = await session.newTab();
  return session;
}

function watch(session, page) {
  const { problems, allowed, requests } = session;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // Chromium reports every HTTP error response as a console error too; those are judged below.
    if (/Failed to load resource: the server responded with a status of/.test(text)) {
      const url = m.location()?.url ?? '';
      if (allowed.some((re) => re.test(url))) return;
    }
    problems.push(`console error: ${text} (${m.location()?.url ?? ''})`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught exception: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => {
    const failure = r.failure()?.errorText ?? 'failed';
    // Deliberate cancellations (leaving a page, hls.js replacing a stream) are not failures.
    if (failure === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.method()} ${r.url()} (${failure})`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    if (allowed.some((re) => re.test(r.url()))) return;
    problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
}

/** Fails with every problem the page met so far (and forgets them). */
export function assertClean(session, step) {
  const found = session.problems.splice(0);
  if (found.length) throw new Error(`${step}: the page met problems:\n  ${found.join('\n  ')}`);
}

/** Saves the page at desktop width and at phone width (375 px) for review. */
export async function screenshot(session, name) {
  const { page } = session;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize();
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150); // one layout pass and the canvas redraw
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.${label}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/** No element may stick out to the right at phone width (horizontal scrolling). */
export async function assertNoHorizontalOverflow(page) {
  const size = page.viewportSize();
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (size) await page.setViewportSize(size);
  if (overflow > 0) throw new Error(`page overflows 375 px by ${overflow} px at ${page.url()}`);
}

// axe-core (npm), injected into the page as its own script and run there.
const AXE_SOURCE = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.resolve('axe-core'))), 'axe.min.js'), 'utf8');

/**
 * The serious and critical accessibility violations axe-core finds on the page as it is now (WCAG
 * 2.0–2.2 A and AA rules plus axe's best practices), one line each: rule, impact, where.
 */
export async function axeViolations(page) {
  // Evaluated through the debugging protocol, so the app's Content-Security-Policy does not apply.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.join(', ')}`);
}
