/** Shell quoting lives in util/ (the simulator's SSH server parses the same form back). */
export * from '../../util/shell-quote.ts';
