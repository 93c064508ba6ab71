/**
 * A generated, valid config of many guests spread over many files (the benchmark's input and
 * a scale test): one node per 100 guests, guests on two bridges, every third guest a VM cloned
 * from the template, dependencies on the previous guest of the same file.
 */
export function largeConfig(guestCount = 1000, fileCount = 50): Record<string, string> {
  const nodes = Math.max(1, Math.ceil(guestCount / 100));
  const files: Record<string, string> = {};
  let root = `# yaml-language-server: $schema=../schema/phoenix.schema.json
version: 1
cluster:
  domain: lab.arpa
  nodes:
`;
  for (let n = 0; n < nodes; n++) root += `    - { name: node${n}, cores: 512, memory: 1048576 }\n`;
  root += `network:
  bridges:
    - { name: vmbr0, cidr: 10.0.0.1/16, gateway: 10.0.255.254 }
    - { name: vmbr1, cidr: 10.1.0.1/16 }
storage:
  - { id: local, type: dir, path: /var/lib/vz, content: [vztmpl, iso, snippets] }
  - { id: tank, type: zfspool, pool: tank/guests, content: [images, rootdir] }
templates:
  - { name: debian, kind: lxc, storage: local, file: debian-12-standard_12.7-1_amd64.tar.zst }
  - { name: cloud, kind: vm, vmid: 9000, node: node0, storage: tank, image: { file: noble.img } }
defaults:
  lxc:
    cores: 1
    memory: 512
    disk: { storage: tank, size: 8 }
    features: { nesting: true }
    tags: [generated]
  vm:
    cores: 2
    memory: 2048
    disk: { storage: tank, size: 32 }
    cloudInit: { user: admin, sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDaH1pMawjzO5rO7olSUoQKjKDECS4B+dPoVHigbFa0j admin@lab"] }
`;
  files['phoenix.yaml'] = root;
  const perFile = Math.ceil(guestCount / fileCount);
  for (let f = 0; f < fileCount; f++) {
    let text = 'guests:\n';
    for (let i = f * perFile; i < Math.min(guestCount, (f + 1) * perFile); i++) {
      const id = 2000 + i;
      const vm = i % 3 === 2;
      const host = i + 10;
      const ip = `10.0.${Math.floor(host / 250)}.${(host % 250) + 2}/16`;
      const ip2 = `10.1.${Math.floor(host / 250)}.${(host % 250) + 2}/16`;
      text += `  - id: ${id}
    name: guest-${i}
    type: ${vm ? 'vm' : 'lxc'}
    node: node${i % nodes}
${vm ? '    clone: { from: cloud }\n' : '    template: debian\n'}    net:
      - { name: ${vm ? 'net0' : 'eth0'}, bridge: vmbr0, ip: ${ip}, gateway: 10.0.255.254 }
      - { name: ${vm ? 'net1' : 'eth1'}, bridge: vmbr1, ip: ${ip2} }
    startup: { order: ${(i % 10) + 1} }
    tags: [tier-${i % 4}]
${i > f * perFile ? `    dependsOn: [guest-${i - 1}]\n` : ''}    snapshots: [{ name: base }]
`;
    }
    files[`guests/part-${String(f).padStart(2, '0')}.yaml`] = text;
  }
  return files;
}
