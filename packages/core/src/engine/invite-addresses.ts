/**
 * The addresses a host's invites carry: only those a friend can use.
 * @module
 */
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import { MAX_INVITE_ADDRESSES } from '../identity/invite.js';

/**
 * Interfaces no friend reaches: container and virtual-machine bridges and their veth ends
 * (Docker, Podman, libvirt, LXC/LXD, Kubernetes CNIs, VirtualBox and VMware host-only
 * networks). Their addresses exist only inside this computer.
 */
const HOST_ONLY_INTERFACE =
  /^(docker\d*|br-[0-9a-f]+|veth|virbr|vnet|lxcbr|lxdbr|cni|flannel|cilium|calico|cali|weave|kube|podman|vboxnet|vmnet)/i;

/** An address only this machine or this link can use: loopback, link-local, unspecified. */
function localOnly(family: string, address: string): boolean {
  const a = address.toLowerCase();
  if (family === 'IPv4') return a.startsWith('127.') || a.startsWith('169.254.') || a === '0.0.0.0';
  return a === '::1' || a === '::' || /^fe[89ab]/.test(a);
}

/**
 * The addresses an invite carries: the bound address, or for a wildcard bind the machine's
 * addresses a friend can use (IPv4 first), leaving out loopback, link-local addresses (they
 * need a zone and reach one link only) and container or virtual-machine bridges. VPN
 * addresses (a WireGuard or Tailscale interface) stay: friends on the same VPN use them. Only
 * when nothing else is left: loopback (a host for this machine alone).
 * @param interfaces `os.networkInterfaces()` (a parameter for tests).
 */
export function inviteAddresses(
  bound: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  if (bound !== '0.0.0.0' && bound !== '::') return [bound];
  const v4: string[] = [];
  const v6: string[] = [];
  for (const [name, list] of Object.entries(interfaces)) {
    if (HOST_ONLY_INTERFACE.test(name)) continue;
    for (const info of list ?? []) {
      if (info.internal || localOnly(info.family, info.address)) continue;
      if (info.family === 'IPv4') v4.push(info.address);
      else if (bound === '::') v6.push(info.address);
    }
  }
  const all = [...new Set([...v4, ...v6])].slice(0, MAX_INVITE_ADDRESSES);
  return all.length > 0 ? all : ['127.0.0.1'];
}
