/**
 * Prints a result: JSON for scripts with --json, aligned "key  value" lines for people otherwise.
 * Values may come from a server (remote mode) or from what anyone registered: in the lines for
 * people every key and value has its control characters escaped (see `escapeControls`), so none can
 * drive the terminal or forge a line; JSON escapes them itself.
 */
export function print(value: Record<string, unknown> | Record<string, unknown>[], asJson: boolean): void {
  if (asJson) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  if (Array.isArray(value)) {
    process.stdout.write(table(value) + '\n');
    return;
  }
  const entries = Object.entries(value).map(([k, v]) => [escapeControls(k), show(v)] as const);
  const width = Math.max(...entries.map(([k]) => k.length));
  for (const [k, v] of entries) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

function show(v: unknown): string {
  return escapeControls(plain(v));
}

function plain(v: unknown): string {
  if (Array.isArray(v)) return v.join(' ');
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length === 0 ? '-' : entries.map(([k, x]) => `${k}=${String(x)}`).join(' ');
  }
  return String(v);
}

function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)';
  const keys = Object.keys(rows[0] ?? {});
  const columns = keys.map(escapeControls);
  const cells = rows.map((r) => keys.map((c) => show(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

export class CliError extends Error {
  override name = 'CliError';
}

/** Longest message echoed to the terminal; an input of megabytes is not repeated back in full. */
const MAX_MESSAGE = 500;

/**
 * Text as it may safely reach a terminal: control characters (a newline that would forge another
 * line, an escape sequence that would recolour or rewrite the screen) and Unicode line and
 * bidirectional controls are shown escaped (as \n, \u001b). Nothing is cut: a long value printed
 * as a result stays whole.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A message as one safe terminal line: escaped like `escapeControls`, and a very long message is cut. */
export function printableLine(message: string): string {
  const escaped = escapeControls(message);
  return escaped.length > MAX_MESSAGE ? `${escaped.slice(0, MAX_MESSAGE)}… (${escaped.length - MAX_MESSAGE} more characters)` : escaped;
}
