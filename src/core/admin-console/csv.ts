/**
 * CSV (RFC 4180) that spreadsheets open safely: every cell quoted (quotes doubled, so commas and
 * line breaks stay inside it), and a cell that a spreadsheet would run as a formula (starting with
 * = + - @, or a tab or carriage return before one) is prefixed with ' (OWASP "CSV injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
