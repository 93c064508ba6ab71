#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/. Kept tiny so `phoenix --version` starts fast.
// A closed pipe (`phoenix plan | head`) is a normal end, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
// The daemon keeps its young generation at its initial size (src/server/runtime-tuning.ts): the
// flag must be set before loading the CLI gives V8 a reason to grow it.
if (process.argv.slice(2).includes('serve'))
  (await import('node:v8')).setFlagsFromString('--semi-space-growth-factor=1');
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
