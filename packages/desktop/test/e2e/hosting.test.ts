/**
 * End to end, hosting: invite, QR code, requests, Accept / Reject, several conversations.
 * The real desktop UI in Debian's Chromium against the browser mode as a real child process,
 * over real TCP with a friend speaking `--json` (the CLI's when built, else core's ChatNode in
 * a script). Controls are found by role and accessible name, as a person (or a screen reader)
 * finds them. Screenshots go to packages/desktop/screenshots/.
 */
import type { ChatEvent } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import { JsonPeer, startDesktop } from './support/processes.js';
import { canRun, isEvent, UI_TIMEOUT, useUi } from './support/ui.js';

const ui = useUi();

describe.skipIf(!canRun)('desktop UI in Chromium: hosting', () => {
  it('hosts from the UI, accepts a join --json friend, and compares the code', async () => {
    const { page } = await ui.openAsNewUser('Bea');
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const inviteBox = page.getByRole('textbox', { name: 'Invite' });
    await page.getByRole('heading', { name: 'Invite a friend' }).waitFor();
    await page.getByRole('img', { name: 'QR code of the invite' }).waitFor();
    const invite = await inviteBox.inputValue();
    expect(invite).toMatch(/^cryptully:\/\/join\//);
    await page.getByText('Waiting for your friend to join').waitFor();
    // Copy puts the invite on the clipboard.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(page.url()).origin,
    });
    await page.getByRole('button', { name: 'Copy invite' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(invite);
    await ui.shot(page, '07-host');
    await page.emulateMedia({ colorScheme: 'dark' });
    await ui.shot(page, '07-host-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    const dave = ui.keep(new JsonPeer('join', { name: 'Dave', target: invite }));
    const waiting = await dave.waitFor<Extract<ChatEvent, { event: 'waiting' }>>(
      isEvent('waiting'),
      'waiting',
    );
    const request = page.getByRole('article', { name: 'Request from Dave' });
    await request.waitFor();
    expect(await request.textContent()).toContain(waiting.code);
    await ui.shot(page, '08-host-request');
    await request.getByRole('button', { name: 'Accept' }).click();

    const connected = await dave.waitFor<Extract<ChatEvent, { event: 'connected' }>>(
      isEvent('connected'),
      'connected',
    );
    await page.getByRole('heading', { name: 'Dave', level: 1 }).waitFor();
    dave.send({ cmd: 'send', peer: connected.peer, text: 'Dave here, thanks for the invite' });
    const log = page.getByRole('log', { name: 'Messages with Dave' });
    await log.getByText('Dave here, thanks for the invite').waitFor();
    const box = page.getByRole('textbox', { name: 'Message to Dave' });
    await box.fill('Welcome, Dave!');
    await page.getByRole('button', { name: 'Send' }).click();
    await dave.waitFor(
      isEvent('message', (e) => e.text === 'Welcome, Dave!'),
      'welcome',
    );

    // Typing shows on the other side.
    dave.send({ cmd: 'typing', peer: connected.peer, state: 'typing' });
    await page.getByText('Dave is typing…').waitFor();

    // The Verify panel shows the same code the friend sees; Escape closes it.
    await page.getByRole('button', { name: 'Verify' }).click();
    const dialog = page.getByRole('dialog', { name: 'Verify Dave' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(connected.code);
    await ui.shot(page, '09-verify');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Verify' }).click();
    await dialog.getByRole('button', { name: 'Codes match' }).click();
    await page.getByText('Code compared').waitFor();
    await ui.shot(page, '10-chat-verified');

    // Ending the chat says goodbye to the friend.
    await page.getByRole('button', { name: 'End chat' }).click();
    await dave.waitFor(isEvent('disconnected'), 'disconnected');
    await page.getByRole('button', { name: 'Dave, offline' }).waitFor();
  });

  it('a rejected request: the host rejects the UI, and the UI rejects a friend', async () => {
    const { page } = await ui.openAsNewUser('Cy');
    const host = ui.keep(new JsonPeer('host', { name: 'Grumpy' }));
    const listening = await host.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );
    await page.getByRole('button', { name: 'Join a chat' }).click();
    await page
      .getByRole('textbox', { name: 'Invite or address' })
      .fill(`127.0.0.1:${listening.port}`);
    await page.getByRole('textbox', { name: 'Invite or address' }).press('Enter');
    const request = await host.waitFor<Extract<ChatEvent, { event: 'request' }>>(
      isEvent('request'),
      'request',
    );
    host.send({ cmd: 'reject', peer: request.peer });
    await page.getByText('Could not join.').waitFor();
    await ui.shot(page, '11-join-rejected');

    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const invite = await page.getByRole('textbox', { name: 'Invite' }).inputValue();
    const stranger = ui.keep(new JsonPeer('join', { name: 'Stranger', target: invite }));
    const card = page.getByRole('article', { name: 'Request from Stranger' });
    await card.getByRole('button', { name: 'Reject' }).click();
    const ended = await stranger.waitFor<Extract<ChatEvent, { event: 'disconnected' }>>(
      isEvent('disconnected'),
      'disconnected',
    );
    expect(ended.reason).toBe('rejected');
    await card.waitFor({ state: 'detached' });
    await page.getByText('Waiting for your friend to join').waitFor();
  });

  it('counts unread messages per conversation and notifies while the window is in the background', async () => {
    const desktop = ui.keep(await startDesktop());
    const context = await ui.newContext();
    // Record notifications instead of showing them (headless Chromium has no notification UI).
    await context.addInitScript(() => {
      const shown: Array<{ title: string; body: string }> = [];
      (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
      class RecordingNotification {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        constructor(title: string, options?: { body?: string }) {
          shown.push({ title, body: options?.body ?? '' });
        }
      }
      (window as unknown as { Notification: unknown }).Notification = RecordingNotification;
    });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    await page.goto(desktop.url);
    await page.getByRole('textbox', { name: 'Your name' }).fill('Jo');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const invite = await page.getByRole('textbox', { name: 'Invite' }).inputValue();
    const address = (await page.locator('.addresses code').first().textContent()) ?? '';

    const kim = ui.keep(new JsonPeer('join', { name: 'Kim', target: invite }));
    await page
      .getByRole('article', { name: 'Request from Kim' })
      .getByRole('button', { name: 'Accept' })
      .click();
    const kimConnected = await kim.waitFor<Extract<ChatEvent, { event: 'connected' }>>(
      isEvent('connected'),
      'connected',
    );
    const lee = ui.keep(new JsonPeer('join', { name: 'Lee', target: address }));
    await page
      .getByRole('article', { name: 'Request from Lee' })
      .getByRole('button', { name: 'Accept' })
      .click();
    const leeConnected = await lee.waitFor<Extract<ChatEvent, { event: 'connected' }>>(
      isEvent('connected'),
      'connected',
    );
    await page.getByRole('heading', { name: 'Kim', level: 1 }).waitFor();
    // Headless pages do not always have focus: start from a focused window, as a person would.
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));

    lee.send({ cmd: 'send', peer: leeConnected.peer, text: 'Lee one' });
    lee.send({ cmd: 'send', peer: leeConnected.peer, text: 'Lee two' });
    await page.getByRole('button', { name: 'Lee, 2 unread, online' }).waitFor();
    await ui.shot(page, '15-unread');

    // In the background: a message in the open conversation counts as unread and notifies.
    await page.evaluate(() => window.dispatchEvent(new Event('blur')));
    kim.send({ cmd: 'send', peer: kimConnected.peer, text: 'Psst, Jo' });
    await page.getByRole('button', { name: 'Kim, 1 unread, online' }).waitFor();
    const shown = await page.evaluate(
      () => (window as unknown as { shownNotifications: unknown[] }).shownNotifications,
    );
    expect(shown).toEqual([{ title: 'Kim', body: 'Psst, Jo' }]);
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await page.getByRole('button', { name: 'Kim, online' }).waitFor();

    await page.getByRole('button', { name: 'Lee, 2 unread, online' }).click();
    await page.getByRole('log', { name: 'Messages with Lee' }).getByText('Lee two').waitFor();
    await page.getByRole('button', { name: 'Lee, online' }).waitFor();
    await page.emulateMedia({ colorScheme: 'dark' });
    await ui.shot(page, '16-two-conversations-dark');
  });
});
