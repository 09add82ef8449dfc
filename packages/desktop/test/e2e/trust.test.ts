/**
 * End to end, trust: key-change warnings on both sides and a protected identity.
 * The real desktop UI in Debian's Chromium against the browser mode as a real child process,
 * over real TCP with a friend speaking `--json` (the CLI's when built, else core's ChatNode in
 * a script). Controls are found by role and accessible name, as a person (or a screen reader)
 * finds them. Screenshots go to packages/desktop/screenshots/.
 */
import type { ChatEvent } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import { JsonPeer, startDesktop, tempHome } from './support/processes.js';
import { canRun, isEvent, useUi } from './support/ui.js';

const ui = useUi();

describe.skipIf(!canRun)('desktop UI in Chromium: trust', () => {
  it('warns full-width when a known friend comes back with another key, and needs a decision', async () => {
    const { page } = await ui.openAsNewUser('Dee');
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const invite = await page.getByRole('textbox', { name: 'Invite' }).inputValue();
    const port = /:(\d+)<\/code>|:(\d+)$/.exec(
      (await page.locator('.addresses code').first().textContent()) ?? '',
    );
    const address = `127.0.0.1:${port?.[1] ?? port?.[2]}`;

    const erin = ui.keep(new JsonPeer('join', { name: 'Erin', target: invite }));
    await page
      .getByRole('article', { name: 'Request from Erin' })
      .getByRole('button', { name: 'Accept' })
      .click();
    await erin.waitFor(isEvent('connected'), 'connected');
    await erin.stop();
    await page.getByText('Offline', { exact: false }).first().waitFor();

    // Someone else, calling themselves Erin, with a new key.
    const impostor = ui.keep(
      new JsonPeer('join', { name: 'Erin', target: address, home: tempHome('impostor') }),
    );
    const warning = page.getByRole('alert').filter({ hasText: "Erin's security key has changed" });
    await warning.waitFor();
    // Until the decision, the conversation does not claim the old verification.
    const badge = page.locator('.chat-head .verification');
    await badge.filter({ hasText: /^Key changed$/ }).waitFor();
    expect(await page.locator('.chat-head .presence-text').textContent()).toBe(
      'Erin left the chat.',
    );
    await ui.shot(page, '12-key-changed');
    await warning.getByRole('button', { name: 'Trust the new key' }).click();
    await impostor.waitFor(isEvent('connected'), 'connected after the key change was accepted');
    await warning.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Erin', level: 1 }).waitFor();
    // The new key was trusted, not verified: the old "Verified by invite" does not carry over.
    await badge.filter({ hasText: /^Unverified$/ }).waitFor();
    // One conversation with Erin, not one per key.
    expect(
      await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button').count(),
    ).toBe(1);
    await ui.shot(page, '12-key-changed-trusted');
  });

  it('warns the joiner too when the host it knows comes back with another key', async () => {
    const { page } = await ui.openAsNewUser('Ola');
    const joinAddress = async (port: number) => {
      await page.getByRole('button', { name: 'New chat' }).click();
      await page.getByRole('button', { name: 'Join a chat' }).click();
      await page.getByRole('textbox', { name: 'Invite or address' }).fill(`127.0.0.1:${port}`);
      await page.getByRole('button', { name: 'Join', exact: true }).click();
    };
    const nia = ui.keep(new JsonPeer('host', { name: 'Nia' }));
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

    const other = ui.keep(new JsonPeer('host', { name: 'Nia', home: tempHome('other-nia') }));
    const second = await other.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
      isEvent('listening'),
      'listening',
    );
    await joinAddress(second.port);
    const warning = page.getByRole('alert').filter({ hasText: "Nia's security key has changed" });
    await warning.waitFor();
    await ui.shot(page, '18-key-changed-joiner');
    await warning.getByRole('button', { name: 'Reject' }).click();
    await warning.waitFor({ state: 'detached' });
    await page.getByText('Could not join.').waitFor();
  });

  it('asks for the passphrase of a protected identity, and says when it is wrong', async () => {
    const home = tempHome('locked');
    const first = ui.keep(await startDesktop(home));
    let page = await ui.newPage();
    await page.goto(first.url);
    await page.getByRole('textbox', { name: 'Your name' }).fill('Max');
    await page.getByLabel('Passphrase (optional)').fill('blue whale seven');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Hello, Max' }).waitFor();
    await page.close(); // this tab would log its lost connection; the next run gets a new one
    await first.stop();

    const second = ui.keep(await startDesktop(home));
    page = await ui.newPage();
    await page.goto(second.url);
    await page.getByRole('heading', { name: 'Unlock Cryptully' }).waitFor();
    await page.getByLabel('Passphrase').fill('red whale seven');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('alert').getByText('Wrong passphrase', { exact: false }).waitFor();
    await ui.shot(page, '17-unlock-wrong');
    await page.getByLabel('Passphrase').fill('blue whale seven');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('heading', { name: 'Hello, Max' }).waitFor();
  });
});
