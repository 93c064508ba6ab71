import { describe, expect, it } from 'vitest';
import { deriveDnsRecords } from './records.ts';
import { renderDnsmasq } from './render.ts';
import { homelabSource } from './_fixture.ts';

describe('deriveDnsRecords', () => {
  it('names every guest, node and route, plus explicit records, sorted', () => {
    const { records, diagnostics } = deriveDnsRecords(homelabSource());
    expect(records.map((r) => `${r.name} ${r.type} ${r.value}`)).toEqual([
      'app.example.com A 10.0.0.11',
      'ca.home.arpa CNAME step-ca.home.arpa',
      'nginx-gateway.home.arpa A 10.0.0.11',
      'portainer.home.arpa A 10.0.0.21',
      'printer.home.arpa A 10.0.0.50',
      'pve.home.arpa A 10.0.0.2',
      'step-ca.home.arpa A 10.0.0.13',
      'traefik-internal.home.arpa A 10.0.0.12',
      'worker.home.arpa A 10.0.0.22',
    ]);
    // portainer.home.arpa is both a guest and a route with different targets: reported, not hidden.
    expect(diagnostics.map((d) => d.code)).toEqual(['E_DNS_CONFLICT']);
  });

  it('requires a gateway guest when routes exist, and warns about DHCP guests', () => {
    const source = homelabSource();
    source.guests = source.guests.filter((g) => g.id !== 101);
    source.guests.push({ id: 104, name: 'dyn', node: 'pve', net: [{ ip: 'dhcp' }], mounts: [] });
    const codes = deriveDnsRecords(source).diagnostics.map((d) => d.code);
    expect(codes).toContain('E_DNS_NO_GATEWAY');
    expect(codes).toContain('W_DNS_DHCP_GUEST');
  });

  it('renders byte-identical output for the same input, whatever the declaration order', () => {
    const a = homelabSource();
    const b = homelabSource();
    b.guests.reverse();
    b.dns.records.reverse();
    const render = (s: typeof a) => {
      const d = deriveDnsRecords(s);
      return renderDnsmasq(d.domain, d.records, '/etc/phoenix/dnsmasq.hosts');
    };
    expect(render(b)).toEqual(render(a));
    expect(render(a).conf).toContain('local=/home.arpa/\nlocal=/app.example.com/\n');
    expect(render(a).conf).toContain('cname=ca.home.arpa,step-ca.home.arpa');
  });
});
