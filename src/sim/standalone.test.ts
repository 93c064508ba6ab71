import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.ts';
import { parseNodes, parseSimFlags } from './standalone.ts';

describe('phoenix sim flags', () => {
  it('defaults to HTTPS on 127.0.0.1:8006, realistic speed and the 3 s auth delay', () => {
    expect(parseSimFlags({}, {})).toMatchObject({
      host: '127.0.0.1',
      port: 8006,
      tls: true,
      speed: 1,
      authDelayMs: 3000,
    });
  });

  it('parses nodes with optional cores and memory', () => {
    expect(parseNodes('pve1,pve2:8:32768')).toEqual([
      { name: 'pve1', cores: 16, memoryMiB: 65536 },
      { name: 'pve2', cores: 8, memoryMiB: 32768 },
    ]);
  });

  it('takes credentials from the environment', () => {
    const options = parseSimFlags({ http: true }, { PHOENIX_SIM_TOKEN_SECRET: 's3', PHOENIX_SIM_ROOT_PASSWORD: 'pw' });
    expect(options).toMatchObject({ tls: false, tokenSecret: 's3', rootPassword: 'pw' });
  });

  it.each([
    [{ port: '70000' }],
    [{ port: 'abc' }],
    [{ speed: '-1' }],
    [{ nodes: 'bad_name' }],
    [{ faults: '/nonexistent/faults.json' }],
  ])('rejects %j with a CliError', (flags) => {
    expect(() => parseSimFlags(flags, {})).toThrow(CliError);
  });
});
