import { chromium, type Browser, type Page } from 'playwright-core';

/** Where scripts/test-setup.sh puts Debian's chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Debian chromium driven by playwright-core, with a fresh profile each launch (playwright
 * makes one). Background networking is off: this machine's network is closed, and the tests need
 * nothing but the server on loopback.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page in a fresh context that records the CSP violations the browser reports; the app's callback
 * (https://notes.example.com/…) is answered here, never fetched, and its addresses recorded.
 */
export async function watchedPage(browser: Browser): Promise<{ page: Page; violations: string[]; callbacks: string[] }> {
  const page = await (await browser.newContext()).newPage();
  const violations: string[] = [];
  const callbacks: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.route('https://notes.example.com/**', (route) => {
    callbacks.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'back in the app' });
  });
  return { page, violations, callbacks };
}
