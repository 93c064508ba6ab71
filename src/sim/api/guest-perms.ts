/**
 * The privilege checks PVE's guest handlers make in code, beyond the schema's `permissions`
 * (which the HTTP layer evaluates): create needs `VM.Allocate` on the vmid or the pool;
 * each config key needs its `VM.Config.*` privilege (qemu-server `check_vm_modify_config_perm`,
 * pve-container `check_ct_modify_config_perm`); new disks need `Datastore.AllocateSpace` on
 * their storage, existing volumes `check_volume_access`; NICs need `SDN.Use` on the bridge
 * (pve-guest-common `check_vnet_access`, local zone `localnetwork`). root@pam skips them all.
 */
import type { SimAccess } from '../contract.ts';
import { FORMATS, parseProps } from '../state/props.ts';
import { parseVolid } from '../state/storage.ts';

const QEMU_CPU = new Set(['cores', 'cpu', 'cpulimit', 'cpuunits', 'numa', 'smp', 'sockets', 'vcpus', 'affinity']);
const QEMU_MEMORY = new Set(['memory', 'balloon', 'shares']);
const QEMU_HWTYPE = new Set([
  'acpi',
  'hotplug',
  'kvm',
  'machine',
  'scsihw',
  'smbios1',
  'tablet',
  'vga',
  'watchdog',
  'audio0',
  'vmgenid',
  'rng0',
  'spice_enhancements',
  'ivshmem',
  'arch',
]);
const QEMU_GENERAL = new Set([
  'agent',
  'autostart',
  'bios',
  'description',
  'keyboard',
  'localtime',
  'migrate_downtime',
  'migrate_speed',
  'name',
  'onboot',
  'ostype',
  'protection',
  'reboot',
  'startdate',
  'startup',
  'tdf',
  'template',
  'tags',
  'meta',
  'lock',
]);
const QEMU_DISKOPTS = new Set(['boot', 'bootdisk', 'vmstatestorage']);
const QEMU_CLOUDINIT = new Set([
  'cicustom',
  'cipassword',
  'citype',
  'ciuser',
  'ciupgrade',
  'nameserver',
  'searchdomain',
  'sshkeys',
]);
const QEMU_DRIVE = /^(ide|sata|scsi|virtio|efidisk|tpmstate)\d+$/;
const NEW_DISK = /^(?:([^/:\s]+):)?(\d+(?:\.\d+)?)$/;

/** `VM.Allocate` on `/vms/<vmid>`, or on `/pool/<pool>` when one is given (create, restore). */
export function checkAllocate(access: SimAccess, vmid: number, pool: unknown): void {
  if (access.root) return;
  if (access.has(`/vms/${vmid}`, ['VM.Allocate'])) return;
  if (typeof pool === 'string' && access.has(`/pool/${pool}`, ['VM.Allocate'])) return;
  access.deny();
}

/** `check_vm_perm`: the pool's grant counts first, then the guest's own path. */
function vmPerm(access: SimAccess, vmid: number, pool: unknown, privs: string[]): void {
  if (typeof pool === 'string' && access.has(`/pool/${pool}`, privs)) return;
  access.check(`/vms/${vmid}`, privs);
}

/** qemu-server `check_vm_modify_config_perm` over the keys set, deleted or reverted. */
export function checkQemuKeys(access: SimAccess, vmid: number, pool: unknown, keys: string[]): void {
  if (access.root) return;
  for (const key of keys) {
    if (QEMU_DRIVE.test(key) || key === 'cdrom' || /^(unused|serial|usb|hostpci)\d+$/.test(key)) continue;
    if (QEMU_CPU.has(key) || /^numa\d+$/.test(key)) vmPerm(access, vmid, pool, ['VM.Config.CPU']);
    else if (QEMU_MEMORY.has(key)) vmPerm(access, vmid, pool, ['VM.Config.Memory']);
    else if (QEMU_HWTYPE.has(key)) vmPerm(access, vmid, pool, ['VM.Config.HWType']);
    else if (QEMU_GENERAL.has(key)) {
      vmPerm(access, vmid, pool, ['VM.Config.Options']);
      // `startup` changes the host's boot behaviour.
      if (key === 'startup') access.check('/', ['Sys.Modify']);
    } else if (key === 'freeze') vmPerm(access, vmid, pool, ['VM.PowerMgmt']);
    else if (QEMU_DISKOPTS.has(key)) vmPerm(access, vmid, pool, ['VM.Config.Disk']);
    else if (/^net\d+$/.test(key)) vmPerm(access, vmid, pool, ['VM.Config.Network']);
    else if (QEMU_CLOUDINIT.has(key) || /^ipconfig\d+$/.test(key)) vmPerm(access, vmid, pool, ['VM.Config.Cloudinit']);
    else if (key === 'vmstate') vmPerm(access, vmid, pool, ['VM.Config.Disk', 'VM.PowerMgmt']);
    else throw new Error(`only root can set '${key}' config`);
  }
}

/** qemu-server's per-drive check inside the update worker: CD-ROMs vs disks. */
export function checkQemuDrive(access: SimAccess, vmid: number, key: string, value: string | undefined): void {
  if (access.root || !QEMU_DRIVE.test(key)) return;
  const cdrom = value !== undefined && /(^|,)media=cdrom(,|$)/.test(value);
  access.check(`/vms/${vmid}`, [cdrom ? 'VM.Config.CDROM' : 'VM.Config.Disk']);
}

/**
 * pve-storage `check_volume_access` for an existing volume: templates and ISOs need read access
 * to the storage, a guest's own volumes are fine, anything else needs `Datastore.Allocate`.
 */
export function checkVolumeAccess(access: SimAccess, vmid: number, volid: string): void {
  if (access.root) return;
  if (!volid.includes(':')) access.deny('Only root can pass arbitrary filesystem paths.');
  const { storage, volname, vmid: owner } = parseVolid(volid);
  if (/^(iso|vztmpl|import)\//.test(volname)) {
    access.check(`/storage/${storage}`, ['Datastore.AllocateSpace', 'Datastore.Audit'], true);
  } else if (owner !== undefined && owner === vmid) {
    return;
  } else if (/^backup\//.test(volname) && owner !== undefined) {
    access.check(`/storage/${storage}`, ['Datastore.AllocateSpace']);
    access.check(`/vms/${owner}`, ['VM.Backup']);
  } else {
    access.check(`/storage/${storage}`, ['Datastore.Allocate']);
  }
}

/** qemu-server `check_storage_access`: space for new disks, access to existing volumes. */
export function checkQemuStorage(
  access: SimAccess,
  vmid: number,
  params: Record<string, unknown>,
  defaultStorage?: string,
): void {
  if (access.root) return;
  for (const [key, value] of Object.entries(params)) {
    if (!QEMU_DRIVE.test(key) || typeof value !== 'string') continue;
    const props = parseProps(value, FORMATS.qemuDisk);
    const file = props.file ?? '';
    const cdrom = props.media === 'cdrom';
    if (file === '' || file === 'none') continue;
    const cloudinit = /^([^:]+):cloudinit$/.exec(file);
    if (cloudinit) {
      access.check(`/storage/${cloudinit[1]}`, ['Datastore.AllocateSpace']);
    } else if (cdrom && file === 'cdrom') {
      access.check('/', ['Sys.Console']);
    } else if (!cdrom && NEW_DISK.test(file)) {
      const storage = NEW_DISK.exec(file)?.[1] ?? defaultStorage;
      if (storage === undefined) throw new Error('no storage ID specified (and no default storage)');
      access.check(`/storage/${storage}`, ['Datastore.AllocateSpace']);
      if (typeof props['import-from'] === 'string') checkVolumeAccess(access, vmid, props['import-from']);
    } else {
      checkVolumeAccess(access, vmid, file);
    }
  }
  if (typeof params.vmstatestorage === 'string')
    access.check(`/storage/${params.vmstatestorage}`, ['Datastore.AllocateSpace']);
}

/** pve-guest-common `check_vnet_access` for every NIC in `params` (bridge in the local zone). */
export function checkBridges(access: SimAccess, params: Record<string, unknown>, lxc: boolean): void {
  if (access.root) return;
  for (const [key, value] of Object.entries(params)) {
    if (!/^net\d+$/.test(key) || typeof value !== 'string') continue;
    const props = parseProps(value, lxc ? FORMATS.lxcNet : FORMATS.qemuNet);
    const bridge = props.bridge;
    if (bridge === undefined) continue;
    const vnet = `/sdn/zones/localnetwork/${bridge}`;
    if (props.tag !== undefined) access.check(`${vnet}/${props.tag}`, ['SDN.Use'], true);
    else if (props.trunks !== undefined) {
      for (const tag of String(props.trunks).split(';')) access.check(`${vnet}/${tag}`, ['SDN.Use'], true);
    } else access.check(vnet, ['SDN.Use'], true);
  }
}

function parseFeatures(value: unknown): Record<string, string> {
  return typeof value === 'string' ? parseProps(value, FORMATS.plain) : {};
}

/** pve-container `check_ct_modify_config_perm` over keys set (`newconf`) and deleted. */
export function checkLxcKeys(
  access: SimAccess,
  vmid: number,
  pool: unknown,
  oldconf: Record<string, unknown> | undefined,
  newconf: Record<string, unknown>,
  deletes: string[],
  unprivileged: boolean,
): void {
  if (access.root) return;
  const check = (key: string, deleting: boolean): void => {
    if (key === 'cores' || key === 'cpuunits' || key === 'cpulimit') vmPerm(access, vmid, pool, ['VM.Config.CPU']);
    else if (key === 'rootfs' || /^mp\d+$/.test(key)) {
      vmPerm(access, vmid, pool, ['VM.Config.Disk']);
      if (deleting) return;
      const props = parseProps(String(newconf[key]), key === 'rootfs' ? FORMATS.lxcRootfs : FORMATS.lxcMp);
      const volume = props.volume ?? '';
      if (volume.startsWith('/')) access.deny('mount point type bind is only allowed for root@pam');
      const fresh = /^([^:\s]+):(\d+(?:\.\d+)?)$/.exec(volume);
      if (fresh) access.check(`/storage/${fresh[1]}`, ['Datastore.AllocateSpace']);
      else checkVolumeAccess(access, vmid, volume);
    } else if (key === 'memory' || key === 'swap') vmPerm(access, vmid, pool, ['VM.Config.Memory']);
    else if (/^net\d+$/.test(key)) {
      vmPerm(access, vmid, pool, ['VM.Config.Network']);
      if (!deleting) checkBridges(access, { [key]: newconf[key] }, true);
    } else if (/^dev\d+$/.test(key)) access.deny('configuring device passthrough is only allowed for root@pam');
    else if (key === 'nameserver' || key === 'searchdomain' || key === 'hostname')
      vmPerm(access, vmid, pool, ['VM.Config.Network']);
    else if (key === 'features') {
      if (!unprivileged) access.deny('changing feature flags for privileged container is only allowed for root@pam');
      const before = parseFeatures(oldconf?.features);
      const after = deleting ? {} : parseFeatures(newconf.features);
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (f) => (before[f] ?? '') !== (after[f] ?? ''),
      );
      if (changed.some((f) => f !== 'nesting'))
        access.deny('changing feature flags (except nesting) is only allowed for root@pam');
      if (changed.includes('nesting')) vmPerm(access, vmid, pool, ['VM.Allocate']);
    } else if (key === 'hookscript' || key.startsWith('lxc.')) access.deny(`only root can set '${key}' config`);
    else vmPerm(access, vmid, pool, ['VM.Config.Options']);
  };
  for (const key of Object.keys(newconf)) check(key, false);
  for (const key of deletes) check(key, true);
}

/**
 * Clone (qemu-server / pve-container `clone_vm`): space on the target storage, or for a full
 * clone without one, on each disk's own storage (linked clones allocate nothing new).
 */
export function checkCloneSpace(
  access: SimAccess,
  config: Record<string, unknown>,
  full: boolean,
  storage: unknown,
  parse: (value: string) => { file?: string; media?: string },
  diskKey: RegExp,
): void {
  if (access.root) return;
  if (typeof storage === 'string') {
    access.check(`/storage/${storage}`, ['Datastore.AllocateSpace']);
    return;
  }
  if (!full) return;
  for (const [key, value] of Object.entries(config)) {
    if (!diskKey.test(key) || typeof value !== 'string') continue;
    const d = parse(value);
    if (d.media === 'cdrom' || !d.file?.includes(':')) continue;
    access.check(`/storage/${d.file.split(':')[0] ?? ''}`, ['Datastore.AllocateSpace']);
  }
}

/** Resize: space on the disk's storage (qemu-server / pve-container `resize_vm`). */
export function checkResizeSpace(access: SimAccess, volid: string | undefined): void {
  if (access.root || !volid?.includes(':')) return;
  access.check(`/storage/${volid.split(':')[0] ?? ''}`, ['Datastore.AllocateSpace']);
}
