import type { Metric } from '../../core/admin-console/page-data.js';
import { html, type SafeHtml } from '../html.js';

const WIDTH = 480;
const LABEL = 140;
const ROW = 30;
const BAR = 20;

/**
 * A bar chart drawn on the server as SVG: no script, nothing to load. The chart is a picture for
 * the eye; the table under it holds the same numbers for screen readers and for copying.
 */
export function barChart(id: string, title: string, metrics: readonly Metric[]): SafeHtml {
  const max = Math.max(1, ...metrics.map((m) => m.value));
  const room = WIDTH - LABEL - 60;
  const height = metrics.length * ROW + 10;
  const bars = metrics.map((m, i) => {
    const y = 5 + i * ROW;
    const width = m.value === 0 ? 0 : Math.max(2, Math.round((m.value / max) * room));
    return html`<text x="0" y="${y + BAR - 5}" class="chart-label">${m.label}</text>
<rect x="${LABEL}" y="${y}" width="${width}" height="${BAR}" class="chart-bar chart-bar-${i}"></rect>
<text x="${LABEL + width + 6}" y="${y + BAR - 5}" class="chart-value">${m.value}</text>`;
  });
  return html`<figure class="chart" aria-labelledby="${id}-caption">
<figcaption id="${id}-caption">${title}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" aria-hidden="true" focusable="false">${bars}</svg>
<table class="chart-numbers"><caption class="visually-hidden">${title}</caption>
<tbody>${metrics.map((m) => html`<tr><th scope="row">${m.label}</th><td>${m.value}</td></tr>`)}</tbody></table>
</figure>`;
}

export function dashboardView(windows: readonly { label: string; metrics: Metric[] }[]): SafeHtml {
  return html`<p class="muted">Counted from the audit log.</p>
<div class="charts">${windows.map((w, i) => barChart(`window-${i}`, w.label, w.metrics))}</div>`;
}
