/**
 * The registry of CLI commands, in the order `phoenix --help` lists them. Add a command by
 * writing `commands/<name>.ts` (exporting `define`) and one line here.
 */
import type { Command } from 'commander';
import { define as defineValidate } from './validate.ts';
import { define as defineSchema } from './schema.ts';

export type CommandDefinition = (program: Command) => void;

export const commandDefinitions: CommandDefinition[] = [defineValidate, defineSchema];
