// `--invites-only` (issue 12 item 6): a host that takes invites only refuses a plain join right
// after its prelude, before msg2, so the joiner (or a scanner) never gets the host's key; a
// friend with an invite still gets in.
import { afterEach, describe, expect, it } from 'vitest';
import { SETUPS } from './fixtures.js';
import { cleanup, openNode } from './helpers.js';

afterEach(cleanup);

for (const setup of SETUPS) {
  describe(`a host that takes invites only (${setup.name})`, () => {
    it('refuses a plain join before msg2 and lets an invite holder in', async () => {
      const make = await setup.make();
      const alice = await openNode('Alice', make);
      await alice.node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1', invitesOnly: true });
      const { port, invite } = await alice.next('listening');
      expect(alice.logs.some((l) => l.includes('(invites only'))).toBe(true);

      const scanner = await openNode('Scanner', make);
      await scanner.node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const refused = await scanner.next('error');
      expect(refused.code).toBe('ERR_HANDSHAKE_FAILED');
      // No peer: the joiner never saw msg2, so never learnt the host's key.
      expect(refused.peer).toBeUndefined();
      expect(scanner.of('disconnected')).toEqual([]);
      expect(alice.logs.some((l) => /refused .*a join without an invite/.test(l))).toBe(true);

      const bob = await openNode('Bob', make);
      await bob.node.dispatch({ cmd: 'join', target: invite });
      const request = await alice.next('request');
      expect(request).toMatchObject({ name: 'Bob', invited: true });
      expect(alice.of('request')).toHaveLength(1);
    });
  });
}
