/**
 * The addresses a host's invites carry.
 * @module
 */
import { networkInterfaces } from 'node:os';
import { MAX_INVITE_ADDRESSES } from '../identity/invite.js';

/**
 * The addresses an invite carries: the bound address, or for a wildcard bind the machine's
 * external addresses (IPv4 first; link-local IPv6 left out: it needs a zone), else loopback.
 */
export function inviteAddresses(bound: string): string[] {
  if (bound !== '0.0.0.0' && bound !== '::') return [bound];
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv4') v4.push(info.address);
      else if (bound === '::' && !info.address.toLowerCase().startsWith('fe80')) {
        v6.push(info.address);
      }
    }
  }
  const all = [...v4, ...v6].slice(0, MAX_INVITE_ADDRESSES);
  return all.length > 0 ? all : ['127.0.0.1'];
}
