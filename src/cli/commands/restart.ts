/** `phoenix restart <id...>`: stop guests and their dependents, then start them again in dependency order. */
import type { Command } from 'commander';
import { definePowerCommand } from '../power-command.ts';

export function define(program: Command): void {
  definePowerCommand(
    program,
    'restart',
    'stop guests and their dependents, then start them again in dependency order',
    'Stops the guest and its dependents (reverse order), then starts them in dependency order.',
  );
}
