/**
 * `phoenix sim`: run the built-in Proxmox VE 8.4 simulator as a standalone server that curl,
 * Phoenix or any Proxmox client can talk to.
 */
import type { Command } from 'commander';
import type { SimCliFlags } from '../../app/sim.ts';

export function define(program: Command): void {
  program
    .command('sim')
    .description('run the built-in Proxmox VE simulator (a PVE 8.4 API on /api2/json)')
    .option('--port <port>', 'TCP port', '8006')
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--http', 'serve plain HTTP instead of HTTPS with a self-signed certificate')
    .option('--state <file>', 'persist the simulated cluster to this JSON file and reload it at start')
    .option('--speed <factor>', 'task duration factor: 1 = realistic, 0.1 = ten times faster, 0 = instant', '1')
    .option('--faults <file>', 'fault-injection rules (JSON); also PHOENIX_SIM_FAULTS')
    .option('--nodes <list>', 'cluster nodes: pve1,pve2 or name:cores:memoryMiB,...', 'pve')
    .option('--log <file>', 'append a JSON line per request (secrets redacted)')
    .option('--seed <n>', 'seed for MACs, ids and injected faults (replayable runs)')
    .option('--auth-delay <ms>', 'delay before 401 answers, like PVE', '3000')
    .option('--ssh', 'also run the node side: one SSH server per node (random ports, generated client key)')
    .option('--ssh-authorized-keys <file>', 'public keys the SSH servers accept (implies --ssh)')
    .option(
      '--coverage',
      'print which PVE 8.4 schema endpoints the simulator implements (with --verbose: each one) and exit',
    )
    .option('--verbose', 'with --coverage: list every endpoint')
    .addHelpText(
      'after',
      `
The simulator prints its URL, an API token for root@pam (privilege-separation off) and, for
HTTPS, the certificate's SHA-256 fingerprint. Set PHOENIX_SIM_TOKEN_SECRET and
PHOENIX_SIM_ROOT_PASSWORD to fix the credentials. Fault rules can be changed while it runs:
PUT /api2/json/_sim/faults (JSON body, root@pam only).

Examples:
  $ phoenix sim                                   # https://127.0.0.1:8006, realistic task times
  $ phoenix sim --http --port 8080 --speed 0.1 --state sim.json
  $ phoenix sim --nodes pve1,pve2:8:32768 --log requests.jsonl
  $ phoenix sim --http --ssh --state sim.json     # + SSH per node, files under sim.json.d/
  $ PHOENIX_SIM_FAULTS='{"seed":1,"rules":[{"route":"/nodes/**","error500":0.05}]}' phoenix sim
`,
    )
    .action(async (flags: SimCliFlags) => {
      if (flags.coverage) {
        const { formatCoverage, simCoverage } = await import('../../app/sim.ts');
        process.stdout.write(formatCoverage(simCoverage(), flags.verbose === true));
        return;
      }
      const { runStandalone } = await import('../../app/sim.ts');
      await runStandalone(flags);
    });
}
