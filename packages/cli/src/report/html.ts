// HTML building blocks of the report: escaping (every dataset, model and config text goes
// through `escapeHtml`), number formats, and tables.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * A metric as the report prints it: 4 decimals, or 3 significant digits in exponent form for
 * values too small or too large to read that way; "n/a" for a missing or non-finite value.
 */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  if (value === 0) return '0.0000';
  const size = Math.abs(value);
  if (size < 1e-3 || size >= 1e5) return value.toExponential(2);
  return value.toFixed(4);
}

/** A share in [0, 1] as a percentage with 2 decimals ("5.00%"). */
export function formatShare(share: unknown): string {
  if (typeof share !== 'number' || !Number.isFinite(share)) return 'n/a';
  return `${(share * 100).toFixed(2)}%`;
}

/** A count with thousands separators ("260,000"), independent of the machine's locale. */
export function formatCount(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Cells are HTML already (escape text before); `numeric` right-aligns every column but the first. */
export function table(
  head: string[],
  rows: string[][],
  options: { numeric?: boolean; className?: string } = {},
): string {
  const cls = [options.className, options.numeric ? 'numeric' : undefined]
    .filter(Boolean)
    .join(' ');
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row">${cell}</th>` : `<td>${cell}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${escapeHtml(id)}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

export function note(text: string, kind: 'info' | 'warn' = 'info'): string {
  return `<p class="note ${kind}">${text}</p>`;
}
