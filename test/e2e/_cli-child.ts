/**
 * Runs the real CLI (src/cli/main.ts through tsx) in a child process, the way `bin/phoenix.js`
 * runs the built one, so a test sees what a user sees: the exit code, both streams, and whether
 * the process ends at all (a leaked socket or timer keeps a child alive; `main()` in-process
 * cannot show that). Killed after `timeoutMs`; `timedOut` says so.
 */
import { spawn } from 'node:child_process';

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface ChildOptions {
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
  /** Runs the CLI as this user (`setpriv`), e.g. to meet permission errors a root process bypasses. */
  asUser?: { uid: number; gid: number; setpriv: string };
}

const entry = `import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(JSON.parse(process.env.PHOENIX_CHILD_ARGV)); })`;

export function runCliChild(argv: string[], options: ChildOptions = {}): Promise<ChildRun> {
  const started = Date.now();
  const nodeArgs = ['--import', 'tsx', '-e', entry];
  const [command, args] = options.asUser
    ? [
        options.asUser.setpriv,
        [
          `--reuid=${options.asUser.uid}`,
          `--regid=${options.asUser.gid}`,
          '--clear-groups',
          '--',
          process.execPath,
          ...nodeArgs,
        ],
      ]
    : [process.execPath, nodeArgs];
  const child = spawn(command, args, {
    cwd: process.cwd(),
    env: { ...process.env, NO_COLOR: '1', ...options.env, PHOENIX_CHILD_ARGV: JSON.stringify(argv) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** No stack trace and no "internal error" in what the user sees. */
export function stackFree(text: string): boolean {
  return !/internal error|\n\s+at .+[:(]\d+:\d+\)?/.test(text);
}
