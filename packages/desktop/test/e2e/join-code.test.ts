/**
 * End to end, join codes (issue 17): the desktop app joins a `--json` host by the code it
 * shows, and hosts with a code a `--json` friend joins with; a wrong code is burnt and the
 * app shows the new one. The real desktop UI in Debian's Chromium against the browser mode as
 * a real child process, over real TCP; the host is found by UDP broadcast on loopback, on a
 * discovery port of this file's own (CRYPTULLY_LAN_PORT, inherited by every child).
 */
import { createSocket } from 'node:dgram';
import type { ChatEvent } from '@cryptully/core/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { JsonPeer } from './support/processes.js';
import { canRun, isEvent, useUi } from './support/ui.js';

const ui = useUi();

beforeAll(async () => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  process.env.CRYPTULLY_LAN_PORT = String(socket.address().port);
  await new Promise<void>((resolve) => socket.close(() => resolve()));
});

/** Another code with the same number: a wrong guess. */
function wrongCode(code: string): string {
  const [number, first, second] = code.split('-');
  return [number, first === 'acid' ? 'acorn' : 'acid', second].join('-');
}

describe.skipIf(!canRun)('desktop UI in Chromium: join codes', () => {
  it('joins a host --json by the join code it shows, verified by join code', async () => {
    const { page } = await ui.openAsNewUser('Ada');
    const carol = ui.keep(new JsonPeer('host', { name: 'Carol' }));
    const listening = await carol.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );
    expect(listening.code).toMatch(/^\d{1,3}-[a-z]+-[a-z]+$/);

    await page.getByRole('button', { name: 'Join a chat' }).click();
    // Typed as people type a code read out on the phone.
    await page
      .getByRole('textbox', { name: 'Invite or address' })
      .fill(listening.code!.replaceAll('-', ' '));
    await ui.shot(page, '30-join-by-code');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    const request = await carol.waitFor<Extract<ChatEvent, { event: 'request' }>>(
      isEvent('request', (e) => e.name === 'Ada'),
      'request from Ada',
    );
    expect(request.invited).toBe(true);
    carol.send({ cmd: 'accept', peer: request.peer });
    await page.getByRole('heading', { name: 'Carol', level: 1 }).waitFor();
    await page.getByText('Verified by join code').waitFor();
    const connected = await carol.waitFor<Extract<ChatEvent, { event: 'connected' }>>(
      isEvent('connected'),
      'connected',
    );
    expect(connected.verifiedBy).toBe('code');
    await ui.shot(page, '31-joined-by-code');
  });

  it('hosts with a join code: a wrong code is burnt and shown, the new code joins', async () => {
    const { page } = await ui.openAsNewUser('Bea');
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const shown = page.getByRole('status').filter({ hasText: 'Join code:' }).locator('code');
    await shown.waitFor();
    const first = (await shown.textContent())!;
    expect(first).toMatch(/^\d{1,3}-[a-z]+-[a-z]+$/);
    await ui.shot(page, '32-host-join-code');

    const mallory = ui.keep(new JsonPeer('join', { name: 'Mallory', target: wrongCode(first) }));
    await mallory.waitFor(
      isEvent('disconnected', (e) => e.reason === 'code-refused'),
      'the refused code',
    );
    await page.getByText(/^Someone tried a wrong code, so it was burnt/).waitFor();
    await page.getByText('Someone tried a wrong code, so the last one was burnt.').waitFor();
    await page.waitForFunction((old) => {
      const el = [...document.querySelectorAll('.join-code code')].at(0);
      return el !== undefined && el.textContent !== old;
    }, first);
    const second = (await shown.textContent())!;
    expect(second).not.toBe(first);
    await ui.shot(page, '33-host-code-burnt');
    expect(await page.getByRole('article', { name: 'Request from Mallory' }).count()).toBe(0);
    // The notice is told; dismissed, it no longer covers the waiting room.
    await page.getByRole('button', { name: 'Dismiss' }).click();

    const dave = ui.keep(new JsonPeer('join', { name: 'Dave', target: second }));
    const request = page.getByRole('article', { name: 'Request from Dave' });
    await request.waitFor();
    await request.getByRole('button', { name: 'Accept' }).click();
    const connected = await dave.waitFor<Extract<ChatEvent, { event: 'connected' }>>(
      isEvent('connected'),
      'connected',
    );
    expect(connected).toMatchObject({ verifiedBy: 'code', verification: 'join-code' });
    await page.getByRole('heading', { name: 'Dave', level: 1 }).waitFor();
    await page.getByText('Verified by join code').waitFor();
  });
});
