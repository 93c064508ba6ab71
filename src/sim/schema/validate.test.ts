import { describe, expect, it } from 'vitest';
import { findParamSchema, validateParams } from './validate.ts';
import { getEndpoint, matchRoute } from './table.ts';

const QEMU_CONFIG = '/nodes/{node}/qemu/{vmid}/config';

describe('validateParams', () => {
  it('normalises integers to numbers and booleans to 0/1', () => {
    const result = validateParams('PUT', QEMU_CONFIG, { node: 'pve', vmid: '100', onboot: '1', cores: '4' });
    expect(result.errors).toEqual({});
    expect(result.params).toEqual({ node: 'pve', vmid: 100, onboot: 1, cores: 4 });
  });

  it('accepts JSON booleans but rejects "true" as text (spec §1)', () => {
    expect(validateParams('PUT', QEMU_CONFIG, { node: 'pve', vmid: 100, onboot: true }).params['onboot']).toBe(1);
    expect(validateParams('PUT', QEMU_CONFIG, { node: 'pve', vmid: '100', onboot: 'true' }).errors).toEqual({
      onboot: "type check ('boolean') failed - got 'true'",
    });
  });

  it('reports missing, unknown, range, enum and format errors with PVE texts', () => {
    const { errors } = validateParams('POST', '/nodes/{node}/qemu', {
      node: 'pve',
      cores: '0',
      ostype: 'dos',
      name: 'bad_name!',
      colour: 'red',
      sshkeys: 'ssh-ed25519 AAAA me@host',
    });
    expect(errors).toEqual({
      vmid: 'property is missing and it is not optional',
      cores: 'value must have a minimum value of 1',
      ostype: expect.stringMatching(/^value 'dos' does not have a value in the enumeration 'other, wxp, /),
      name: expect.stringMatching(/^invalid format - value 'bad_name!' does not look like a valid DNS name/),
      colour: 'property is not defined in schema and the schema does not allow additional properties',
      sshkeys: 'invalid format - invalid urlencoded string: ssh-ed25519 AAAA me@host\n',
    });
  });

  it('accepts indexed parameters only inside their range', () => {
    const props = getEndpoint('PUT', QEMU_CONFIG)?.parameters.properties ?? {};
    expect(findParamSchema(props, 'net31')).toBeDefined();
    expect(findParamSchema(props, 'net32')).toBeUndefined();
    expect(findParamSchema(props, 'scsi30')).toBeDefined();
    expect(findParamSchema(props, 'scsi31')).toBeUndefined();
    expect(findParamSchema(props, 'net01')).toBeUndefined();
  });

  it('validates property strings of indexed parameters', () => {
    const { errors } = validateParams('PUT', QEMU_CONFIG, {
      node: 'pve',
      vmid: '100',
      net0: 'virtio,bridge=vmbr0,tag=9999',
      ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1',
    });
    expect(errors).toEqual({
      net0: 'invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n',
    });
  });

  it('wraps single values for array params and joins arrays for -list formats', () => {
    const exec = validateParams('POST', '/nodes/{node}/qemu/{vmid}/agent/exec', {
      node: 'pve',
      vmid: '100',
      command: 'ls',
    });
    expect(exec.params['command']).toEqual(['ls']);
    const del = validateParams('PUT', QEMU_CONFIG, { node: 'pve', vmid: '100', delete: ['net1', 'ide2'] });
    expect(del.params['delete']).toBe('net1,ide2');
  });
});

describe('matchRoute', () => {
  it('prefers literal segments and decodes each segment after splitting', () => {
    expect(matchRoute('/cluster/nextid')?.route).toBe('/cluster/nextid');
    const content = matchRoute('/nodes/pve/storage/local/content/local%3Aiso%2Fdebian.iso');
    expect(content?.route).toBe('/nodes/{node}/storage/{storage}/content/{volume}');
    expect(content?.pathParams['volume']).toBe('local:iso/debian.iso');
    expect(matchRoute('/nodes/pve/nothing-here')).toBeUndefined();
  });
});
