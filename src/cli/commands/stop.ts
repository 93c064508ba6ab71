/** `phoenix stop <id...>`: stop guests, after what depends on them (reverse dependency order). */
import type { Command } from 'commander';
import { definePowerCommand } from '../power-command.ts';

export function define(program: Command): void {
  definePowerCommand(
    program,
    'stop',
    'stop guests, after what depends on them (reverse dependency order)',
    'Stops what depends on the guest first, so nothing runs without what it needs.',
  );
}
