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
  /** stderr of commands that succeed anyway (warnings); a failure's text travels in `Exit`. */
  err: string[];
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

export interface ParsedOptions {
  /** Short flags seen (`-rhs` gives r, h, s), long flags by name (`--value`). */
  flags: Set<string>;
  /** Options with a value: `-m 0755`, `-C dir`, `--max-time 600`. */
  values: Map<string, string>;
  operands: string[];
}

/**
 * GNU-style option parsing for one tool: combined short flags, options taking a value (attached
 * or next word), `--` ending options. An option the tool does not know fails like GNU tools do.
 */
export function parseOptions(
  tool: string,
  args: readonly string[],
  spec: { flags: string; values?: string; long?: string[]; longValues?: string[]; usageCode?: number },
): ParsedOptions {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const operands: string[] = [];
  const code = spec.usageCode ?? 1;
  const hint = `Try '${tool} --help' for more information.\n`;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const [name = '', attached] = arg.slice(2).split(/=(.*)/s);
      if (spec.longValues?.includes(name)) {
        const value = attached ?? args[(i += 1)];
        if (value === undefined) fail(code, `${tool}: option '--${name}' requires an argument\n${hint}`);
        values.set(name, value as string);
      } else if (spec.long?.includes(name)) flags.add(name);
      else fail(code, `${tool}: unrecognized option '${arg}'\n${hint}`);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j += 1) {
      const letter = arg[j] as string;
      if (spec.values?.includes(letter)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[(i += 1)];
        if (value === undefined) fail(code, `${tool}: option requires an argument -- '${letter}'\n${hint}`);
        values.set(letter, value as string);
        break;
      }
      if (!spec.flags.includes(letter)) fail(code, `${tool}: invalid option -- '${letter}'\n${hint}`);
      flags.add(letter);
    }
  }
  return { flags, values, operands };
}
