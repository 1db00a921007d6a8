/** Prints a result: JSON for scripts with --json, aligned "key  value" lines for people otherwise. */
export function print(value: Record<string, unknown> | Record<string, unknown>[], asJson: boolean): void {
  if (asJson) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  if (Array.isArray(value)) {
    process.stdout.write(table(value) + '\n');
    return;
  }
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) process.stdout.write(`${k.padEnd(width)}  ${show(v)}\n`);
}

function show(v: unknown): string {
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
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((r) => columns.map((c) => show(r[c])));
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
 * A message as one safe terminal line: control characters (a newline that would forge a second
 * `tessera:` line, an escape sequence that would recolour or rewrite the screen) and Unicode line
 * and bidirectional controls are shown escaped, and a very long message is cut.
 */
export function printableLine(message: string): string {
  const escaped = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return escaped.length > MAX_MESSAGE ? `${escaped.slice(0, MAX_MESSAGE)}… (${escaped.length - MAX_MESSAGE} more characters)` : escaped;
}
