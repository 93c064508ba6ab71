#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/. Kept tiny so `phoenix --version` starts fast.
// A closed pipe (`phoenix plan | head`) is a normal end, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
