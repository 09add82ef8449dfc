/**
 * End to end: the real desktop UI in Debian's Chromium, against the browser mode as a real
 * child process, chatting over real TCP with a friend driven through the `--json` vocabulary
 * (the CLI's when built, else core's ChatNode in a script). Controls are found by role and
 * accessible name, as a person (or a screen reader) finds them. Screenshots of each screen
 * go to packages/desktop/screenshots/ (git-ignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChatEvent } from '@cryptully/core/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import {
  cliJsonAvailable,
  type DesktopProcess,
  JsonPeer,
  killAll,
  startDesktop,
  tempHome,
} from './support/processes.js';

const SHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));
const UI_TIMEOUT = 15_000;

/** The chat engine is built (core's `engine` entry); without it there is nobody to chat with. */
const engineBuilt = existsSync(
  fileURLToPath(new URL('../../../core/dist/engine/index.js', import.meta.url)),
);
if (!chromiumAvailable) {
  console.warn(
    'skipped: Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)',
  );
}
if (!engineBuilt) console.warn('skipped: @cryptully/core/engine is not built yet');
const canRun = chromiumAvailable && engineBuilt;

let browser: Browser | undefined;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  if (!canRun) return;
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  console.info(
    cliJsonAvailable()
      ? 'the friend is `cryptully --json` (packages/cli)'
      : 'the friend is json-peer.mjs on core (the CLI --json mode is not built)',
  );
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(running.map((r) => r.stop()));
  await browser?.close();
  killAll();
});

function keep<T extends { stop(): Promise<void> }>(thing: T): T {
  running.push(thing);
  return thing;
}

/**
 * Saves a screenshot, and checks on the way that every control on screen has an accessible
 * name (an unnamed button or text box shows in the ARIA snapshot without a quoted name).
 */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png` });
  const tree = await page.locator('body').ariaSnapshot();
  const unnamed = tree
    .split('\n')
    .filter((line) => /^\s*- (button|textbox|link|checkbox)\b(?! ")/.test(line));
  expect(unnamed, `unnamed controls on ${name}`).toEqual([]);
}

/** Opens the app for a fresh user and completes first run with `name`. */
async function openAsNewUser(
  name: string,
  shotName?: string,
): Promise<{ page: Page; desktop: DesktopProcess }> {
  const desktop = keep(await startDesktop());
  const context = await browser!.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  await page.goto(desktop.url);
  await page.getByRole('heading', { name: 'Welcome to Cryptully' }).waitFor();
  if (shotName) await shot(page, shotName);
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: `Hello, ${name}` }).waitFor();
  return { page, desktop };
}

const isEvent =
  <K extends ChatEvent['event']>(
    kind: K,
    extra: (e: Extract<ChatEvent, { event: K }>) => boolean = () => true,
  ) =>
  (e: ChatEvent): boolean =>
    e.event === kind && extra(e as Extract<ChatEvent, { event: K }>);

describe.skipIf(!canRun)('desktop UI in Chromium (browser mode)', () => {
  it('joins a host --json with an invite and chats both ways', async () => {
    const { page, desktop } = await openAsNewUser('Ada', '01-first-run');
    await shot(page, '02-start');
    const carol = keep(new JsonPeer('host', { name: 'Carol' }));
    const listening = await carol.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );

    await page.getByRole('button', { name: 'Join a chat' }).click();
    await page.getByRole('textbox', { name: 'Invite or address' }).fill(listening.invite);
    await shot(page, '03-join');
    await page.getByRole('button', { name: 'Join', exact: true }).click();

    const request = await carol.waitFor<Extract<ChatEvent, { event: 'request' }>>(
      isEvent('request', (e) => e.name === 'Ada'),
      'request from Ada',
    );
    await page.getByText('Waiting for').waitFor();
    await shot(page, '04-join-waiting');
    carol.send({ cmd: 'accept', peer: request.peer });

    await page.getByRole('heading', { name: 'Carol', level: 1 }).waitFor();
    await page.getByText('Verified by invite').waitFor();

    const box = page.getByRole('textbox', { name: 'Message to Carol' });
    await box.fill('Hello Carol, it is Ada');
    await box.press('Enter');
    await carol.waitFor(
      isEvent('message', (e) => e.text === 'Hello Carol, it is Ada'),
      'message from Ada',
    );
    await page.getByText('Delivered').waitFor();

    carol.send({ cmd: 'send', peer: request.peer, text: 'Hi Ada! Carol here.' });
    const log = page.getByRole('log', { name: 'Messages with Carol' });
    await log.getByText('Hi Ada! Carol here.').waitFor();
    expect(await box.inputValue()).toBe('');

    // Shift+Enter makes a new line instead of sending.
    await box.fill('two');
    await box.press('Shift+Enter');
    await box.pressSequentially('lines');
    expect(await box.inputValue()).toBe('two\nlines');
    await box.press('Enter');
    await carol.waitFor(
      isEvent('message', (e) => e.text === 'two\nlines'),
      'two-line message',
    );
    await log.getByText(/two\s+lines/).waitFor();
    await shot(page, '05-chat');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, '06-chat-dark');

    // A reload keeps the conversation (the tab's session token, and the back end replays).
    await page.reload();
    await page
      .getByRole('log', { name: 'Messages with Carol' })
      .getByText('Hi Ada! Carol here.')
      .waitFor();

    // A wrong token (say, the address of an earlier run) opens nothing, and says so.
    const stale = desktop.url.replace(/token=.*/, `token=${'A'.repeat(43)}`);
    const other = await page.context().browser()!.newPage();
    await other.goto(stale);
    await other
      .getByRole('heading', { name: 'Cannot reach Cryptully' })
      .waitFor({ timeout: UI_TIMEOUT });
    await other.close();
  });

  it('hosts from the UI, accepts a join --json friend, and compares the code', async () => {
    const { page } = await openAsNewUser('Bea');
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const inviteBox = page.getByRole('textbox', { name: 'Invite' });
    await page.getByRole('heading', { name: 'Invite a friend' }).waitFor();
    await page.getByRole('img', { name: 'QR code of the invite' }).waitFor();
    const invite = await inviteBox.inputValue();
    expect(invite).toMatch(/^cryptully:\/\/join\//);
    await page.getByText('Waiting for your friend to join').waitFor();
    await shot(page, '07-host');

    const dave = keep(new JsonPeer('join', { name: 'Dave', target: invite }));
    const waiting = await dave.waitFor<Extract<ChatEvent, { event: 'waiting' }>>(
      isEvent('waiting'),
      'waiting',
    );
    const request = page.getByRole('article', { name: 'Request from Dave' });
    await request.waitFor();
    expect(await request.textContent()).toContain(waiting.code);
    await shot(page, '08-host-request');
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
    await shot(page, '09-verify');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Verify' }).click();
    await dialog.getByRole('button', { name: 'Codes match' }).click();
    await page.getByText('Code compared').waitFor();
    await shot(page, '10-chat-verified');

    // Ending the chat says goodbye to the friend.
    await page.getByRole('button', { name: 'End chat' }).click();
    await dave.waitFor(isEvent('disconnected'), 'disconnected');
    await page.getByRole('button', { name: 'Dave, offline' }).waitFor();
  });

  it('a rejected request: the host rejects the UI, and the UI rejects a friend', async () => {
    const { page } = await openAsNewUser('Cy');
    const host = keep(new JsonPeer('host', { name: 'Grumpy' }));
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
    await shot(page, '11-join-rejected');

    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const invite = await page.getByRole('textbox', { name: 'Invite' }).inputValue();
    const stranger = keep(new JsonPeer('join', { name: 'Stranger', target: invite }));
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

  it('warns full-width when a known friend comes back with another key, and needs a decision', async () => {
    const { page } = await openAsNewUser('Dee');
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const invite = await page.getByRole('textbox', { name: 'Invite' }).inputValue();
    const port = /:(\d+)<\/code>|:(\d+)$/.exec(
      (await page.locator('.addresses code').first().textContent()) ?? '',
    );
    const address = `127.0.0.1:${port?.[1] ?? port?.[2]}`;

    const erin = keep(new JsonPeer('join', { name: 'Erin', target: invite }));
    await page
      .getByRole('article', { name: 'Request from Erin' })
      .getByRole('button', { name: 'Accept' })
      .click();
    await erin.waitFor(isEvent('connected'), 'connected');
    await erin.stop();
    await page.getByText('Offline', { exact: false }).first().waitFor();

    // Someone else, calling themselves Erin, with a new key.
    const impostor = keep(
      new JsonPeer('join', { name: 'Erin', target: address, home: tempHome('impostor') }),
    );
    const warning = page.getByRole('alert').filter({ hasText: "Erin's security key has changed" });
    await warning.waitFor();
    await shot(page, '12-key-changed');
    await warning.getByRole('button', { name: 'Trust the new key' }).click();
    await impostor.waitFor(isEvent('connected'), 'connected after the key change was accepted');
    await warning.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Erin', level: 1 }).waitFor();
  });

  it('keeps a message for a friend who went away and re-sends it when they are back', async () => {
    const { page } = await openAsNewUser('Hal');
    const hostHome = tempHome('ivy');
    const ivy = keep(new JsonPeer('host', { name: 'Ivy', home: hostHome }));
    const first = await ivy.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );
    await page.getByRole('button', { name: 'Join a chat' }).click();
    await page.getByRole('textbox', { name: 'Invite or address' }).fill(first.invite);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    const request = await ivy.waitFor<Extract<ChatEvent, { event: 'request' }>>(
      isEvent('request'),
      'request',
    );
    ivy.send({ cmd: 'accept', peer: request.peer });
    await page.getByRole('heading', { name: 'Ivy', level: 1 }).waitFor();

    await ivy.stop();
    await page.getByRole('button', { name: 'Ivy, offline' }).waitFor();
    const box = page.getByRole('textbox', { name: 'Message to Ivy' });
    await box.fill('Are you there?');
    await box.press('Enter');
    await page.getByText('Waiting for them to come online').waitFor();
    await shot(page, '13-offline-queued');

    const back = keep(new JsonPeer('host', { name: 'Ivy', home: hostHome }));
    const again = await back.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('button', { name: 'Join a chat' }).click();
    await page.getByRole('textbox', { name: 'Invite or address' }).fill(`127.0.0.1:${again.port}`);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    const known = await back.waitFor<Extract<ChatEvent, { event: 'request' }>>(
      isEvent('request'),
      'request',
    );
    expect(known.known).toBe(true);
    back.send({ cmd: 'accept', peer: known.peer });
    await back.waitFor(
      isEvent('message', (e) => e.text === 'Are you there?'),
      're-sent message',
    );
    await page.getByText('Delivered after re-sending').waitFor();
    await shot(page, '14-resent');
  });

  it('counts unread messages per conversation and notifies while the window is in the background', async () => {
    const desktop = keep(await startDesktop());
    const context = await browser!.newContext({ viewport: { width: 1100, height: 720 } });
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

    const kim = keep(new JsonPeer('join', { name: 'Kim', target: invite }));
    await page
      .getByRole('article', { name: 'Request from Kim' })
      .getByRole('button', { name: 'Accept' })
      .click();
    const kimConnected = await kim.waitFor<Extract<ChatEvent, { event: 'connected' }>>(
      isEvent('connected'),
      'connected',
    );
    const lee = keep(new JsonPeer('join', { name: 'Lee', target: address }));
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
    await shot(page, '15-unread');

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
    await shot(page, '16-two-conversations-dark');
  });

  it('asks for the passphrase of a protected identity, and says when it is wrong', async () => {
    const home = tempHome('locked');
    const first = keep(await startDesktop(home));
    const context = await browser!.newContext({ viewport: { width: 1100, height: 720 } });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    await page.goto(first.url);
    await page.getByRole('textbox', { name: 'Your name' }).fill('Max');
    await page.getByLabel('Passphrase (optional)').fill('blue whale seven');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Hello, Max' }).waitFor();
    await first.stop();

    const second = keep(await startDesktop(home));
    await page.goto(second.url);
    await page.getByRole('heading', { name: 'Unlock Cryptully' }).waitFor();
    await page.getByLabel('Passphrase').fill('red whale seven');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('alert').getByText('Wrong passphrase', { exact: false }).waitFor();
    await shot(page, '17-unlock-wrong');
    await page.getByLabel('Passphrase').fill('blue whale seven');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('heading', { name: 'Hello, Max' }).waitFor();
  });

  it('warns the joiner too when the host it knows comes back with another key', async () => {
    const { page } = await openAsNewUser('Ola');
    const joinAddress = async (port: number) => {
      await page.getByRole('button', { name: 'New chat' }).click();
      await page.getByRole('button', { name: 'Join a chat' }).click();
      await page.getByRole('textbox', { name: 'Invite or address' }).fill(`127.0.0.1:${port}`);
      await page.getByRole('button', { name: 'Join', exact: true }).click();
    };
    const nia = keep(new JsonPeer('host', { name: 'Nia' }));
    const first = await nia.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );
    await joinAddress(first.port);
    const request = await nia.waitFor<Extract<ChatEvent, { event: 'request' }>>(
      isEvent('request'),
      'request',
    );
    nia.send({ cmd: 'accept', peer: request.peer });
    await page.getByRole('heading', { name: 'Nia', level: 1 }).waitFor();
    await nia.stop();

    const other = keep(new JsonPeer('host', { name: 'Nia', home: tempHome('other-nia') }));
    const second = await other.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );
    await joinAddress(second.port);
    const warning = page.getByRole('alert').filter({ hasText: "Nia's security key has changed" });
    await warning.waitFor();
    await shot(page, '18-key-changed-joiner');
    await warning.getByRole('button', { name: 'Reject' }).click();
    await warning.waitFor({ state: 'detached' });
    await page.getByText('Could not join.').waitFor();
  });

  it('works from the keyboard alone: first run, join, chat, verify, Escape', async () => {
    const desktop = keep(await startDesktop());
    const page = await (
      await browser!.newContext({ viewport: { width: 1100, height: 720 } })
    ).newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    await page.goto(desktop.url);
    await page.getByRole('heading', { name: 'Welcome to Cryptully' }).waitFor();
    const host = keep(new JsonPeer('host', { name: 'Pia' }));
    const listening = await host.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );

    await page.keyboard.type('Quinn'); // the name field has focus
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Hello, Quinn' }).waitFor();
    const joinButton = page.getByRole('button', { name: 'Join a chat' });
    for (
      let i = 0;
      i < 10 && !(await joinButton.evaluate((b) => b === document.activeElement));
      i++
    ) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.keyboard.insertText(listening.invite); // the invite field has focus
    await page.keyboard.press('Enter');
    const request = await host.waitFor<Extract<ChatEvent, { event: 'request' }>>(
      isEvent('request'),
      'request',
    );
    host.send({ cmd: 'accept', peer: request.peer });
    await page.getByRole('heading', { name: 'Pia', level: 1 }).waitFor();
    await page.keyboard.type('typed without a mouse'); // the composer has focus
    await page.keyboard.press('Enter');
    await host.waitFor(
      isEvent('message', (e) => e.text === 'typed without a mouse'),
      'message',
    );

    await page.keyboard.press('Shift+Tab'); // from the composer back to the header buttons
    const verify = page.getByRole('button', { name: 'Verify' });
    for (let i = 0; i < 10 && !(await verify.evaluate((b) => b === document.activeElement)); i++) {
      await page.keyboard.press('Shift+Tab');
    }
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Verify Pia' });
    await dialog.waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent);
    expect(await focused()).toBe('Codes match');
    await page.keyboard.press('Tab'); // Tab stays inside the dialog
    expect(await focused()).toBe('Not now');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focused()).toBe('Verify'); // focus goes back where it was
  });
});
