// Invites carry only addresses a friend can use (issue 12 item 6).
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { inviteAddresses } from '../../src/engine/invite-addresses.js';

const info = (address: string, internal = false): NetworkInterfaceInfo =>
  ({
    address,
    family: address.includes(':') ? 'IPv6' : 'IPv4',
    internal,
    netmask: '',
    mac: '00:00:00:00:00:00',
    cidr: null,
    ...(address.includes(':') ? { scopeid: 0 } : {}),
  }) as NetworkInterfaceInfo;

const machine = {
  lo: [info('127.0.0.1', true), info('::1', true)],
  eth0: [info('192.168.1.20'), info('fe80::1c2:3ff:fe44:5566'), info('2001:db8::20')],
  wlan0: [info('169.254.10.3')],
  docker0: [info('172.17.0.1')],
  'br-3f2a9c1b77de': [info('172.18.0.1')],
  veth12ab: [info('fe80::a8b2:ff:fe00:1')],
  virbr0: [info('192.168.122.1')],
  cni0: [info('10.244.0.1')],
  vboxnet0: [info('192.168.56.1')],
  wg0: [info('10.8.0.2')],
  tailscale0: [info('100.101.102.103'), info('fd7a:115c:a1e0::1')],
};

describe('inviteAddresses', () => {
  it('leaves out loopback, link-local, and container or virtual-machine bridges', () => {
    expect(inviteAddresses('0.0.0.0', machine)).toEqual([
      '192.168.1.20',
      '10.8.0.2',
      '100.101.102.103',
    ]);
    expect(inviteAddresses('::', machine)).toEqual([
      '192.168.1.20',
      '10.8.0.2',
      '100.101.102.103',
      '2001:db8::20',
      'fd7a:115c:a1e0::1',
    ]);
  });

  it('falls back to loopback only when nothing else is left', () => {
    expect(inviteAddresses('0.0.0.0', { lo: machine.lo, docker0: machine.docker0 })).toEqual([
      '127.0.0.1',
    ]);
  });

  it('keeps an explicitly bound address as it is', () => {
    expect(inviteAddresses('127.0.0.1', machine)).toEqual(['127.0.0.1']);
    expect(inviteAddresses('192.168.122.1', machine)).toEqual(['192.168.122.1']);
  });

  it('carries at most 8 addresses', () => {
    const many = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`eth${i}`, [info(`10.0.0.${i + 1}`)]]),
    );
    expect(inviteAddresses('0.0.0.0', many)).toHaveLength(8);
  });
});
