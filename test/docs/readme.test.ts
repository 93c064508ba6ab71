/**
 * The README is the front door: its sample config must validate on its own (a reader copies it
 * into phoenix.yaml), and its links must point at files inside the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConfig } from '../../src/config/__fixtures__/harness.ts';
import { runCli } from '../../src/config/__fixtures__/run-cli.ts';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Fenced yaml blocks that are whole configs (they carry `version:`), unindented. */
function sampleConfigs(): string[] {
  const blocks: string[] = [];
  for (const m of README.matchAll(/^( *)```ya?ml\n([\s\S]*?)^\1```/gm)) {
    const indent = m[1]?.length ?? 0;
    const text = (m[2] ?? '')
      .split('\n')
      .map((l) => l.slice(indent))
      .join('\n');
    if (/^version:/m.test(text)) blocks.push(text);
  }
  return blocks;
}

describe('README.md', () => {
  it('has a sample config, and each one validates on its own', async () => {
    const samples = sampleConfigs();
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples) {
      const temp = writeConfig({ 'phoenix.yaml': sample });
      try {
        const r = await runCli(['validate', temp.dir]);
        expect(r.code, `${r.stderr}\n--- sample:\n${sample}`).toBe(0);
        expect(r.stderr).toBe('');
      } finally {
        temp.cleanup();
      }
    }
  });

  it('links only to files inside the repository, and they exist', () => {
    const links = [...README.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1] as string);
    const local = links.filter((l) => !/^[a-z]+:/i.test(l));
    expect(local.length).toBeGreaterThan(0);
    for (const link of local) {
      const target = resolve(ROOT, link);
      expect(relative(ROOT, target).startsWith('..'), `${link} points outside the repository`).toBe(false);
      expect(existsSync(target), `${link} does not exist`).toBe(true);
    }
    // Plain-text references to files outside the repository count too.
    expect(README).not.toMatch(/\.\.\/shared\//);
  });
});
