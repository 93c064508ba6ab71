/**
 * The registry of CLI commands, in the order `phoenix --help` lists them. Add a command by
 * writing `commands/<name>.ts` (exporting `define`) and one line here.
 */
import type { Command } from 'commander';
import { define as defineValidate } from './validate.ts';
import { define as defineSchema } from './schema.ts';
import { define as definePlan } from './plan.ts';
import { define as defineApply } from './apply.ts';
import { define as defineUp } from './up.ts';
import { define as defineStatus } from './status.ts';
import { define as defineDestroy } from './destroy.ts';
import { define as defineStart } from './start.ts';
import { define as defineStop } from './stop.ts';
import { define as defineRestart } from './restart.ts';
import { define as defineImport } from './import.ts';
import { define as defineGraph } from './graph.ts';
import { define as defineSim } from './sim.ts';
import { define as defineInit } from './init.ts';
import { define as defineLease } from './lease.ts';
import { define as defineCerts } from './certs.ts';
import { define as defineServe } from './serve.ts';
import { define as defineToken } from './token.ts';
import { define as defineSync } from './sync.ts';
import { define as defineHistory } from './history.ts';

export type CommandDefinition = (program: Command) => void;

export const commandDefinitions: CommandDefinition[] = [
  defineUp,
  definePlan,
  defineApply,
  defineStatus,
  defineDestroy,
  defineStart,
  defineStop,
  defineRestart,
  defineImport,
  defineGraph,
  defineValidate,
  defineSchema,
  defineSim,
  defineInit,
  defineLease,
  defineCerts,
  defineServe,
  defineToken,
  defineSync,
  defineHistory,
];
