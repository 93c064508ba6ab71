/** Shared plumbing of the simulated shell: exit codes as exceptions, output buffer, flag parsing. */

/** Thrown by a command to end with an exit code and a stderr text. */
export class Exit extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text);
  }
}

export const fail = (code: number, text: string): never => {
  throw new Exit(code, text);
};

/** One exec's state: stdin, collected stdout, the umask set by `umask`. */
export interface Io {
  stdin: Buffer;
  out: (string | Buffer)[];
  umask: number;
}

export function stripFlags(args: string[]): { flags: Set<string>; rest: string[] } {
  const flags = new Set<string>();
  const rest: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-') && arg.length > 1) flags.add(arg);
    else rest.push(arg);
  }
  return { flags, rest };
}
