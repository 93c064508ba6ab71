/** `phoenix start <id...>`: start guests, after what they depend on (dependencies first). */
import type { Command } from 'commander';
import { definePowerCommand } from '../power-command.ts';

export function define(program: Command): void {
  definePowerCommand(
    program,
    'start',
    'start guests, after what they depend on (dependencies first)',
    'Starts what the guest depends on first.',
  );
}
