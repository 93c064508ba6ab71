/**
 * Which endpoints of the PVE 8.4 schema the simulator implements: the routes of the cluster
 * model and of access control, against the committed schema table. `phoenix sim --coverage`
 * prints it; everything else answers `501 Method '<METHOD> <path>' not implemented`.
 */
import { accessRoutes } from './access/index.ts';
import { defaultAccessStore } from './access/store.ts';
import { schemaTable } from './schema/table.ts';
import { createSimModel } from './state/index.ts';

export interface SimCoverage {
  implemented: string[];
  missing: string[];
  /** Per top-level area (`/nodes/{node}/qemu`, `/cluster/ha` ...): implemented / total. */
  areas: Record<string, { implemented: number; total: number }>;
}

function area(route: string): string {
  const parts = route.split('/').filter(Boolean);
  return `/${parts.slice(0, parts[0] === 'nodes' ? 3 : 2).join('/')}`;
}

export function simCoverage(): SimCoverage {
  const model = createSimModel({
    nodes: [{ name: 'pve', cores: 1, memoryMiB: 1024 }],
    speed: 0,
    seed: 1,
    faults: { taskFailure: () => undefined, lockTimeout: () => false },
  });
  try {
    const served = new Set(
      [...model.routes(), ...accessRoutes(defaultAccessStore('coverage'), () => 0)].map(
        (r) => `${r.method} ${r.route}`,
      ),
    );
    const implemented: string[] = [];
    const missing: string[] = [];
    const areas: SimCoverage['areas'] = {};
    for (const [route, methods] of Object.entries(schemaTable().endpoints)) {
      for (const method of Object.keys(methods)) {
        const key = `${method} ${route}`;
        const a = (areas[area(route)] ??= { implemented: 0, total: 0 });
        a.total += 1;
        if (served.has(key)) {
          implemented.push(key);
          a.implemented += 1;
        } else missing.push(key);
      }
    }
    return { implemented, missing, areas };
  } finally {
    model.close();
  }
}

/** The report `phoenix sim --coverage` prints. */
export function formatCoverage(c: SimCoverage, verbose: boolean): string {
  const total = c.implemented.length + c.missing.length;
  const pct = ((100 * c.implemented.length) / total).toFixed(1);
  const lines = [
    `PVE 8.4 schema endpoints implemented by the simulator: ${c.implemented.length} of ${total} (${pct}%)`,
    '',
  ];
  for (const [name, a] of Object.entries(c.areas).sort(([x], [y]) => x.localeCompare(y))) {
    lines.push(`  ${name.padEnd(36)} ${String(a.implemented).padStart(3)} / ${a.total}`);
  }
  if (verbose) {
    lines.push(
      '',
      'Implemented:',
      ...c.implemented.map((k) => `  ${k}`),
      '',
      'Not implemented (501):',
      ...c.missing.map((k) => `  ${k}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
