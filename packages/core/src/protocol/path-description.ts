/**
 * How a connection runs, in words for people: the same phrases in the terminal and the desktop
 * app. Browser-safe.
 * @module
 */
import type { ConnectionPath } from './events.js';

/** A connection's path for people. */
export interface PathDescription {
  /** A few words for a status bar or a header, e.g. `direct through your router (hole punched)`. */
  label: string;
  /** One sentence: who can see your IP address on this path. */
  exposure: string;
}

/**
 * Describes a `connected` event's `path` (see {@link ConnectionPath}).
 * @param peerName the friend's name, for the sentence
 * @param remoteAddress the `connected` event's `remoteAddress`: the relay's for `relay`
 * @example
 * describePath('holepunch', 'Alice').label; // 'direct through your router (hole punched)'
 */
export function describePath(
  path: ConnectionPath,
  peerName: string,
  remoteAddress?: string,
): PathDescription {
  switch (path) {
    case 'lan':
      return {
        label: 'on your network',
        exposure: `${peerName} sees your address on your network; nobody outside it is involved.`,
      };
    case 'direct':
      return {
        label: 'direct',
        exposure: `${peerName} sees your IP address; no server is in between.`,
      };
    case 'holepunch':
      return {
        label: 'direct through your router (hole punched)',
        exposure: `${peerName} and the DHT nodes that introduced you see your IP address; no server is in between.`,
      };
    case 'mapped':
      return {
        label: 'direct through a mapped port',
        exposure: `${peerName} sees your IP address; your router forwards the port, no server is in between.`,
      };
    case 'relay':
      return {
        label: `relayed through ${remoteAddress ?? 'a relay'}`,
        exposure: `The relay sees your IP address and ${peerName}'s, but only encrypted data; what you say stays between you.`,
      };
    default:
      // A path from a newer peer or program: say nothing wrong rather than nothing at all.
      return { label: 'connected', exposure: `${peerName} may see your IP address.` };
  }
}
