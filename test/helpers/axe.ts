import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/*
 * axe-core in a real page. The pages' CSP allows no script at all, so axe is not added as a <script>:
 * playwright evaluates its source through the DevTools protocol, which a page's CSP does not govern
 * (test/browser/accessibility.test.ts proves it runs, on a page with a deliberately broken fragment).
 * The server's CSP stays exactly as it is.
 */

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** What WCAG 2.2 AA asks of a page, as axe's rule tags name it, with its best practices. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

export type Scheme = 'light' | 'dark';

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string; summary: string }[];
}

/** The serious and critical violations axe finds on the page as it is now, in one colour scheme. */
export async function axeViolations(page: Page, scheme: Scheme): Promise<Violation[]> {
  await page.emulateMedia({ colorScheme: scheme });
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim() })) }));
  }, TAGS);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Fails when axe finds a serious or critical violation on the page, in light or in dark (or the
 * schemes given), listing each rule, where, and why. The page is left in the light scheme.
 */
export async function assertAccessible(page: Page, label: string, schemes: readonly Scheme[] = ['light', 'dark']): Promise<void> {
  const found: string[] = [];
  try {
    for (const scheme of schemes) {
      for (const v of await axeViolations(page, scheme)) {
        found.push(`[${scheme}] ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    at ${n.target}: ${n.summary}`).join('\n')}`);
      }
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
  if (found.length > 0) throw new Error(`${label} (${page.url()}): axe found ${found.length} serious or critical problem(s)\n  ${found.join('\n  ')}`);
}
