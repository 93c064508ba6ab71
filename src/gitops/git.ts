/**
 * Runs the real `git` binary with a bounded time, no terminal prompts, and credentials passed
 * through the environment (never argv, which `ps` shows). Error texts are redacted of any
 * `user:password@` a URL may carry.
 */
import { execFile } from 'node:child_process';
import { PhoenixError } from '../errors.ts';

export interface GitRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** `https://user:secret@host/x` -> `https://***@host/x`. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

export function git(args: string[], options: GitRunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: 'true',
          SSH_ASKPASS: 'true',
          LC_ALL: 'C',
          ...options.env,
        },
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const killed = (error as { killed?: boolean }).killed === true;
        const detail = redactUrl(String(stderr || error.message).trim())
          .split('\n')
          .slice(-6)
          .join('\n');
        reject(
          new PhoenixError(`git ${args[0] ?? ''} ${killed ? 'timed out' : 'failed'}`, {
            code: killed ? 'E_GIT_TIMEOUT' : 'E_GIT',
            detail,
            hint: killed
              ? 'the git server did not answer in time; check the URL and the network'
              : 'check the repository URL, the branch and the credentials',
          }),
        );
      },
    );
  });
}
