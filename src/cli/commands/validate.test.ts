import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, lxc, writeConfig } from '../../config/__fixtures__/harness.ts';
import { runCli } from '../../config/__fixtures__/run-cli.ts';

const EXAMPLE = new URL('../../../examples/homelab', import.meta.url).pathname;

// The example's secrets (validate resolves every reference; see examples/homelab/readme.md).
const SECRETS = ['PHOENIX_CA_PASSWORD', 'PHOENIX_PORTAINER_PASSWORD', 'WHOAMI_API_TOKEN'];
beforeAll(() => {
  for (const name of SECRETS) process.env[name] = 'test-only';
});
afterAll(() => {
  for (const name of SECRETS) delete process.env[name];
});

describe('phoenix validate', () => {
  it('exits 0 on the homelab example and summarises it', async () => {
    const run = await runCli(['validate', EXAMPLE]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/is valid: 5 guests, 2 templates, 1 stack, 2 routes in \d+ files\n$/);
  });

  it('prints every error with file:line:column, YAML path and hint, and exits 1', async () => {
    const temp = writeConfig({
      'phoenix.yaml': BASE,
      'g.yaml': `guests:\n${lxc(101, 'a', 'cpus: 2')}  - { name: b, type: lxc, template: debian }\n`,
    });
    try {
      const run = await runCli(['validate', temp.dir]);
      expect(run.code).toBe(1);
      const lines = run.stderr.split('\n');
      expect(lines[0]).toBe(
        `${temp.dir}/g.yaml:2:111: error: unknown key "cpus" (did you mean "cores"?) (at guests[0].cpus)`,
      );
      expect(lines[1]).toBe('  hint: rename it to "cores"');
      expect(run.stderr).toContain(`${temp.dir}/g.yaml:3:5: error: missing required field "id"`);
      expect(lines.at(-2)).toBe(`✖ ${temp.dir}: 2 error(s)`);
    } finally {
      temp.cleanup();
    }
  });

  it('reports a YAML library warning as a located warning, keeps checking, and never prints it raw', async () => {
    const temp = writeConfig({ 'phoenix.yaml': BASE, 'x.yaml': 'extra: &ge: 1\n' });
    try {
      const run = await runCli(['validate', temp.dir]);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toContain('YAMLWarning');
      expect(run.stderr).toContain(`${temp.dir}/x.yaml:1:1: error: unknown key "extra"`);
      expect(run.stderr).toContain(`${temp.dir}/x.yaml:1:11: warning: YAML: Anchor ending in : is ambiguous`);
    } finally {
      temp.cleanup();
    }
  });

  it('--json prints a versioned report', async () => {
    const temp = writeConfig({ 'phoenix.yaml': BASE, 'g.yaml': `guests:\n${lxc(101, 'a', 'memory: lots')}` });
    try {
      const run = await runCli(['validate', temp.dir, '--json']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('');
      const report = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(report).toMatchObject({ formatVersion: 1, valid: false, errorCount: 1, warningCount: 0 });
      expect(report['diagnostics']).toEqual([
        {
          severity: 'error',
          code: 'E_SCHEMA',
          message: 'memory must be a number, not the text "lots"',
          hint: 'write a number: memory in MiB',
          location: { file: 'g.yaml', line: 2, column: 119, path: 'guests[0].memory' },
        },
      ]);
      const ok = JSON.parse((await runCli(['validate', EXAMPLE, '--json'])).stdout) as Record<string, unknown>;
      expect(ok).toMatchObject({ valid: true, errorCount: 0, summary: { guests: 5, templates: 2, stacks: 1 } });
    } finally {
      temp.cleanup();
    }
  });

  it('rejects a certificate name outside the cluster domain at file:line, without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-certname-'));
    try {
      cpSync(EXAMPLE, dir, { recursive: true });
      const edge = join(dir, 'edge.yaml');
      const before = readFileSync(edge, 'utf8');
      const after = before.replace('portainer-ui.home.arpa]', 'portainer-ui.home.arpa, evil.example.com]');
      expect(after).not.toBe(before);
      writeFileSync(edge, after);
      const run = await runCli(['validate', dir]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `${dir}/edge.yaml:6:77: error: certificate "gateway-edge": evil.example.com is outside the cluster domain home.arpa and is no guest's address (at certificates[0].sans[3])`,
      );
      expect(run.stderr).toContain('  hint: the internal CA only issues names under home.arpa');
      expect(run.stderr).toContain(`✖ ${dir}: 1 error(s)`);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing directory without a stack trace', async () => {
    const run = await runCli(['validate', '/nonexistent/phoenix-config']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/nonexistent/phoenix-config: error: config directory not found');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('accepts the config directory as -c like the other commands', async () => {
    const run = await runCli(['validate', '-c', EXAMPLE]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${EXAMPLE} is valid`);
  });

  it('has help with examples', async () => {
    const run = await runCli(['validate', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: phoenix validate [options] [dir]');
    expect(run.stdout).toContain('$ phoenix validate examples/homelab');
  });
});
