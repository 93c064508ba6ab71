/**
 * Test-only child process for the multi-process tests (run with `fork` + tsx). Modes:
 * - `race <db> <env>`: on "go", tries to take the lease, reports the outcome, releases on "exit".
 * - `contend <db> <env> <ms>`: on "go", for <ms> keeps opening the file and trying to take the lease
 *   (as a second `phoenix apply` does), then reports the error codes it saw.
 * - `crash <db> <env>`: takes the lease, journals an apply up to an in-flight clone, reports
 *   "ready" and then idles until the parent kills it with SIGKILL.
 */
import { LeaseHeldError } from './lease.ts';
import { openStateStore } from './store.ts';

const [mode, dbPath, environment] = process.argv.slice(2) as [string, string, string];
const send = (message: unknown) => process.send?.(message);

if (mode === 'race') {
  const store = openStateStore(dbPath);
  process.on('message', (message) => {
    if (message === 'go') {
      try {
        const lease = store.leases.acquire(environment, { ttlMs: 30_000 });
        send({ won: true, holderId: lease.holderId });
      } catch (error) {
        send({ won: false, message: error instanceof LeaseHeldError ? error.message : String(error) });
      }
    } else if (message === 'exit') {
      store.close();
      process.exit(0);
    }
  });
  send('listening');
} else if (mode === 'contend') {
  const durationMs = Number(process.argv[5] ?? 1000);
  process.on('message', (message) => {
    if (message !== 'go') return;
    const codes: Record<string, number> = {};
    const deadline = Date.now() + durationMs;
    let attempts = 0;
    while (Date.now() < deadline && attempts < 100_000) {
      attempts += 1;
      let code = 'won';
      try {
        const store = openStateStore(dbPath);
        try {
          store.leases.acquire(environment, { ttlMs: 30_000 }).release();
        } finally {
          store.close();
        }
      } catch (error) {
        code = String((error as { code?: unknown }).code ?? (error as Error).message);
      }
      codes[code] = (codes[code] ?? 0) + 1;
    }
    send({ attempts, codes });
  });
  send('listening');
} else if (mode === 'crash') {
  const store = openStateStore(dbPath);
  store.leases.acquire(environment, { ttlMs: 600_000 });
  const run = store.runs.start({ environment, planHash: 'sha256:abc' });
  for (const [stepId, address] of [
    ['s1', 'guest.step-ca'],
    ['s2', 'guest.nginx'],
    ['s3', 'guest.traefik'],
  ] as const) {
    store.journal.plan(run.id, { stepId, address, action: 'create' });
  }
  store.journal.start(run.id, 's1', { vmid: 103 });
  store.journal.succeed(run.id, 's1');
  store.journal.start(run.id, 's2', { vmid: 101, node: 'pve' });
  store.journal.note(run.id, 's2', { upid: 'UPID:pve:0003A1F2:0102B3C4:66A1B2C3:vzclone:9000:root@pam:' });
  // Keep writing events until killed, so the kill can land in the middle of a write.
  let n = 0;
  setInterval(() => store.events.add({ runId: run.id, type: 'tick', message: `tick ${n++}` }), 1);
  send({ ready: true, runId: run.id });
} else {
  throw new Error(`unknown mode ${mode}`);
}
