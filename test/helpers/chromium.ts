import { chromium, type Browser } from 'playwright-core';

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
