/**
 * The registry of CLI commands, in the order `phoenix --help` lists them. Add a command by
 * writing `commands/<name>.ts` (exporting `define`) and one line here.
 */
import type { Command } from 'commander';

export type CommandDefinition = (program: Command) => void;

export const commandDefinitions: CommandDefinition[] = [];
