/**
 * The human view of `phoenix status` (and the end of `phoenix up`): the status rows grouped by
 * kind, one aligned table per kind (no colours: also read by scripts). Columns: the provider's
 * details (or the address), then HEALTH and SYNC; drift and failed conditions follow the table.
 */
import type { StatusRow } from '../../engine/index.ts';

interface StatusView {
  rows: StatusRow[];
  errors: { message: string; hint?: string }[];
  notManaged: string[];
}

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)];
}

function syncText(row: StatusRow): string {
  return row.sync === 'drifted' && row.drift.length > 0 ? `drifted (${row.drift.join(', ')})` : row.sync;
}

export function renderStatus(view: StatusView): string {
  const out: string[] = [];
  const kinds = [...new Set(view.rows.map((r) => r.kind))];
  for (const kind of kinds) {
    const rows = view.rows.filter((r) => r.kind === kind);
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r.details)))];
    const header = keys.length > 0 ? keys.map((k) => k.toUpperCase()) : ['ADDRESS'];
    const body = rows.map((r) => [
      ...(keys.length > 0 ? keys.map((k) => r.details[k] || '-') : [r.address]),
      r.health,
      syncText(r),
    ]);
    if (out.length > 0) out.push('');
    out.push(`${kind} (${rows.length})`);
    out.push(...table([...header, 'HEALTH', 'SYNC'], body));
    // Why a row is not fine, when SYNC alone does not say it (could-not-observe errors are
    // printed once for the whole command, not once per row).
    for (const r of rows) {
      if (r.sync === 'unknown' || r.sync === 'drifted' || r.sync === 'missing') continue;
      for (const c of r.conditions.filter((x) => x.status !== 'True')) out.push(`  ${r.address}: ${c.message}`);
    }
  }
  if (view.notManaged.length > 0) {
    out.push('', `Declared, not managed by this version: ${view.notManaged.join(', ')}`);
  }
  return out.length > 0 ? out.join('\n') + '\n' : 'No resources declared.\n';
}
