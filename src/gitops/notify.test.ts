import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationTarget } from '../config/schema-gitops.ts';
import { EventBus } from './event-bus.ts';
import { Notifier } from './notify.ts';
import type { DaemonSnapshot } from './reconciler.ts';
import type { ResourceRow } from './status-rows.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function receiver(): Promise<{
  url: string;
  got: { method: string; path: string; body: Record<string, unknown> }[];
}> {
  const got: { method: string; path: string; body: Record<string, unknown> }[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      got.push({ method: req.method ?? '', path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

const row = (address: string, sync: ResourceRow['sync'], health: ResourceRow['health']): ResourceRow => ({
  kind: 'proxmox.guest',
  address,
  name: address,
  sync,
  health,
  drift: [],
  conditions: [],
});

describe('notifier', () => {
  it('sends failed syncs, new drift and new degradation once, in each target shape', async () => {
    const { url, got } = await receiver();
    const bus = new EventBus();
    let rows: ResourceRow[] = [row('guest.1', 'in sync', 'healthy')];
    const targets = (['json', 'slack', 'discord', 'matrix'] as const).map((format) => ({
      target: NotificationTarget.parse({ url: `${url}/${format}`, format }),
      url: `${url}/${format}`,
    }));
    const notifier = new Notifier({
      bus,
      snapshot: () => ({ rows, revision: 'abc123' }) as unknown as DaemonSnapshot,
      targets: async () => targets,
      certificatesDue: () => [],
    });
    bus.publish('status', {});
    bus.publish('run.finished', { outcome: 'invalid', message: 'revision x is invalid', revision: 'deadbeef' });
    rows = [row('guest.1', 'drifted', 'degraded')];
    bus.publish('status', {});
    bus.publish('status', {}); // the same drift again: no second message
    await notifier.flushed();
    await notifier.close();
    const byPath = (p: string) => got.filter((g) => g.path.startsWith(`/${p}`));
    expect(byPath('json').map((g) => g.body.event)).toEqual(['sync-failed', 'drift', 'degraded']);
    expect(byPath('json')[1]?.body).toMatchObject({ source: 'phoenix', addresses: ['guest.1'] });
    expect(byPath('slack')[0]?.body.text).toMatch(/^\[phoenix\] sync-failed: revision x is invalid/);
    expect(byPath('discord')[0]?.body.content).toMatch(/sync-failed/);
    const matrix = byPath('matrix');
    expect(matrix[0]?.method).toBe('PUT');
    expect(matrix[0]?.path).toMatch(/^\/matrix\/phoenix-[0-9a-f-]{36}$/);
    expect(matrix[0]?.body).toMatchObject({ msgtype: 'm.text' });
    expect(got).toHaveLength(12);
  });

  it('announces a certificate past its renewal time once', async () => {
    const { url, got } = await receiver();
    const bus = new EventBus();
    const cert = { name: 'gateway', serial: '1', notAfter: Date.now() + 3600_000 } as never;
    const notifier = new Notifier({
      bus,
      snapshot: () => ({ rows: [] }) as unknown as DaemonSnapshot,
      targets: async () => [{ target: NotificationTarget.parse({ url, on: ['certificate-renewal-due'] }), url }],
      certificatesDue: () => [cert],
    });
    bus.publish('status', {});
    bus.publish('status', {});
    await notifier.close();
    expect(got.map((g) => g.body.event)).toEqual(['certificate-renewal-due']);
  });
});
