/**
 * The real nginx (private prefix, REAL-PEERS.md) accepts what Phoenix generates: for
 * examples/homelab and for random route tables (hosts, paths, options, pass-through), with zero
 * rejections. `nginx -t` loads every certificate and the trusted root, so those are real too.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { deriveRouteTable } from './routes.ts';
import { renderNginx, type GatewaySettings } from './render-nginx.ts';
import { gatewaySettings } from './settings.ts';
import { createNginxPrefix, findNginx, type NginxPrefix } from './_test-nginx.ts';
import { arbitraryRouteTable } from './_arbitrary.ts';

const nginx = findNginx();
const ROOT = join(import.meta.dirname, '..', '..', '..');

describe.skipIf(!nginx)('real nginx accepts the generated config', () => {
  let prefix: NginxPrefix;
  beforeAll(() => {
    prefix = createNginxPrefix(nginx as string);
  });
  afterAll(async () => {
    await prefix?.cleanup();
  });

  it('examples/homelab', async () => {
    const { config } = await loadConfig(join(ROOT, 'examples', 'homelab'));
    const table = deriveRouteTable(config);
    expect(table.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(table.routes.map((r) => r.host)).toEqual([
      'portainer-ui.home.arpa',
      'whoami-test.home.arpa',
      'whoami.home.arpa',
    ]);
    const { settings } = gatewaySettings(config);
    for (const name of new Set(table.routes.map((r) => r.certificate as string)))
      prefix.installCertificate(
        name,
        table.routes.map((r) => r.host),
      );
    const render = renderNginx(table.routes, prefix.layout, settings as GatewaySettings);
    prefix.writeRender(render);
    const result = prefix.test();
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('random route tables: zero rejections', () => {
    prefix.installCertificate('edge', ['*.test', 'unused.test']);
    let runs = 0;
    fc.assert(
      fc.property(arbitraryRouteTable(), ({ routes, settings }) => {
        runs += 1;
        prefix.writeRender(renderNginx(routes, prefix.layout, settings));
        const result = prefix.test();
        if (result.code !== 0) throw new Error(`nginx -t refused:\n${result.output}`);
      }),
      { numRuns: 40 },
    );
    expect(runs).toBe(40);
  });
});
