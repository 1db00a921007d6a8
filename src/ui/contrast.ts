/*
 * Colour contrast as WCAG 2.2 measures it (§1.4.3, "relative luminance" and "contrast ratio" in its
 * glossary): the stylesheet's colours are checked with it in tests, and a configured brand colour at start.
 */

/** `#rrggbb` (or `#rgb`) as 0–255 channels; undefined for anything else. */
export function parseHexColor(value: string): [number, number, number] | undefined {
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(value);
  if (long) return [parseInt(long[1]!, 16), parseInt(long[2]!, 16), parseInt(long[3]!, 16)];
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(value);
  if (short) return [parseInt(short[1]! + short[1]!, 16), parseInt(short[2]! + short[2]!, 16), parseInt(short[3]! + short[3]!, 16)];
  return undefined;
}

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance([r, g, b]: readonly [number, number, number]): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** The contrast ratio of two colours, from 1 (none) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const ca = parseHexColor(a);
  const cb = parseHexColor(b);
  if (!ca || !cb) throw new Error(`not a #rrggbb colour: ${ca ? b : a}`);
  const [hi, lo] = [relativeLuminance(ca), relativeLuminance(cb)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** What `color-mix(in srgb, a p%, b)` gives, as #rrggbb. */
export function mixSrgb(a: string, percentOfA: number, b: string): string {
  const ca = parseHexColor(a);
  const cb = parseHexColor(b);
  if (!ca || !cb) throw new Error(`not a #rrggbb colour: ${ca ? b : a}`);
  const p = percentOfA / 100;
  return `#${ca.map((v, i) => Math.round(v * p + cb[i]! * (1 - p)).toString(16).padStart(2, '0')).join('')}`;
}

/** A ratio as people read it: 4.48:1 is below 4.5:1, so it is never rounded up. */
export const shownRatio = (ratio: number) => `${(Math.floor(ratio * 100) / 100).toFixed(2)}:1`;

/** WCAG 2.2 AA for normal text. */
export const AA_TEXT = 4.5;
