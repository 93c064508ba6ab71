import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { deriveResources } from '../providers/proxmox/derive.ts';
import type { AnyResourceHandler } from '../engine/handler.ts';
import { powerSteps } from './power.ts';

async function homelab() {
  const { config } = await loadConfig('examples/homelab');
  const derived = deriveResources(config);
  // Guests have a power state (templates do not); nothing else in this config does.
  const guestPower = {
    power: async () => undefined,
    powerable: (r: { desired: { isTemplate?: boolean } }) => !r.desired.isTemplate,
  } as unknown as AnyResourceHandler;
  const registry = { get: (kind: string) => (kind === 'proxmox.guest' ? guestPower : undefined), kinds: () => [] };
  return { resources: derived.all, registry, derived };
}

describe('powerSteps', () => {
  it('start: dependencies first, templates skipped', async () => {
    const steps = await powerSteps(await homelab(), ['guest.1002'], 'start');
    expect(steps.map((s) => `${s.action} ${s.address}`)).toEqual([
      'start guest.103',
      'start guest.101',
      'start guest.102',
      'start guest.1001',
      'start guest.1002',
    ]);
  });

  it('stop: dependents first (reverse dependency order), the guest last', async () => {
    const steps = await powerSteps(await homelab(), ['guest.103'], 'stop');
    expect(steps.at(-1)).toEqual({ address: 'guest.103', action: 'stop' });
    const order = steps.map((s) => s.address);
    expect(order.indexOf('guest.1002')).toBeLessThan(order.indexOf('guest.1001'));
    expect(order.indexOf('guest.1001')).toBeLessThan(order.indexOf('guest.101'));
  });

  it('restart: stops the guest and its dependents, then starts them in dependency order', async () => {
    const steps = await powerSteps(await homelab(), ['guest.1001'], 'restart');
    expect(steps.map((s) => `${s.action} ${s.address}`)).toEqual([
      'stop guest.1002',
      'stop guest.1001',
      'start guest.1001',
      'start guest.1002',
    ]);
  });
});
