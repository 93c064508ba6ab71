/** Conformance: request validation from the official schema (spec §1, §3, §6). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../testing.ts';

let sim: TestSimulator;
beforeAll(async () => {
  sim = await startTestSimulator();
  // Every request in this file is meant to be rejected by the schema.
  sim.allowInvalid({ path: /./ });
});
afterAll(async () => {
  await sim.stop();
});

async function errorsOf(method: string, path: string, params: Record<string, string | number>) {
  const res = await sim.api(method, path, params);
  expect(res.status).toBe(400);
  expect(res.statusText).toBe('Parameter verification failed.');
  expect(res.body?.data).toBeNull();
  expect(res.body?.message).toBe('Parameter verification failed.\n');
  return res.body?.errors ?? {};
}

describe('schema validation', () => {
  it("§1 accepts booleans only as 0/1: onboot=true → type check ('boolean') failed - got 'true'", async () => {
    expect(await errorsOf('PUT', '/nodes/pve/qemu/100/config', { onboot: 'true' })).toEqual({
      onboot: "type check ('boolean') failed - got 'true'",
    });
  });

  it('§3 reports a missing required parameter', async () => {
    expect(await errorsOf('POST', '/nodes/pve/lxc', { vmid: 200 })).toEqual({
      ostemplate: 'property is missing and it is not optional',
    });
  });

  it('§3 reports parameters the schema does not define', async () => {
    expect(await errorsOf('GET', '/cluster/resources', { colour: 'red' })).toEqual({
      colour: 'property is not defined in schema and the schema does not allow additional properties',
    });
  });

  it("§3 reports integer type errors: type check ('integer') failed - got 'abc'", async () => {
    expect(await errorsOf('PUT', '/nodes/pve/qemu/100/config', { cores: 'abc' })).toEqual({
      cores: "type check ('integer') failed - got 'abc'",
    });
  });

  it('§3 reports ranges: value must have a minimum value of 100', async () => {
    const errors = await errorsOf('POST', '/nodes/pve/qemu', { vmid: 99 });
    expect(errors['vmid']).toBe('value must have a minimum value of 100');
  });

  it('§3 reports enums with the allowed values', async () => {
    expect(await errorsOf('GET', '/cluster/resources', { type: 'guest' })).toEqual({
      type: "value 'guest' does not have a value in the enumeration 'vm, storage, node, sdn'",
    });
  });

  it('§3 reports maxLength: value may only be 64 characters long', async () => {
    const userid = `${'a'.repeat(70)}@pve`;
    expect((await errorsOf('POST', '/access/users', { userid }))['userid']).toBe(
      'value may only be 64 characters long',
    );
  });

  it('§3 reports patterns: value does not match the regex pattern', async () => {
    expect(await errorsOf('POST', '/access/users/root@pam/token/1bad', {})).toEqual({
      tokenid: 'value does not match the regex pattern',
    });
  });

  it('§3 reports named formats as invalid format - ... (pve-node)', async () => {
    const errors = await errorsOf('POST', '/nodes/pve/qemu/100/clone', { newid: 101, target: 'bad_node!' });
    expect(errors['target']).toMatch(/^invalid format - value 'bad_node!' does not look like a valid node name/);
  });

  it('§6.3 rejects raw sshkeys: invalid format - invalid urlencoded string', async () => {
    const errors = await errorsOf('PUT', '/nodes/pve/qemu/100/config', { sshkeys: 'ssh-ed25519 AAAA me@host' });
    expect(errors['sshkeys']).toMatch(/^invalid format - invalid urlencoded string: ssh-ed25519 AAAA me@host/);
  });

  it('§3 nests property-string errors: invalid format - format error\\nnet0.tag: ...', async () => {
    expect(await errorsOf('PUT', '/nodes/pve/lxc/100/config', { net0: 'name=eth0,tag=5000' })).toEqual({
      net0: 'invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n',
    });
  });

  it('§3 reports property-string syntax errors (duplicate key)', async () => {
    expect(await errorsOf('PUT', '/nodes/pve/lxc/100/config', { net0: 'name=eth0,bridge=a,bridge=b' })).toEqual({
      net0: 'invalid format - duplicate key in comma-separated list property: bridge\n',
    });
  });

  it('§6.1 requires the non-optional keys of a property string (LXC net0 needs name)', async () => {
    expect(await errorsOf('PUT', '/nodes/pve/lxc/100/config', { net0: 'bridge=vmbr0' })).toEqual({
      net0: 'invalid format - format error\nnet0.name: property is missing and it is not optional\n',
    });
  });

  it('§0 accepts indexed parameters only in their range (net0..net31)', async () => {
    expect(await errorsOf('PUT', '/nodes/pve/qemu/100/config', { net32: 'virtio,bridge=vmbr0' })).toEqual({
      net32: 'property is not defined in schema and the schema does not allow additional properties',
    });
  });

  it('§6.3 validates named property formats the schema only names (ipconfig0)', async () => {
    const errors = await errorsOf('PUT', '/nodes/pve/qemu/100/config', { ipconfig0: 'ip=10.0.0.5,gw=10.0.0.1' });
    expect(errors['ipconfig0']).toMatch(/^invalid format - format error\nipconfig0\.ip: invalid format - /);
  });

  it('§3 validates path parameters too (vmid below 100)', async () => {
    const errors = await errorsOf('GET', '/nodes/pve/qemu/42/config', {});
    expect(errors['vmid']).toBe('value must have a minimum value of 100');
  });
});
