/**
 * End to end, the Verify dialog's two ways: "Compare a code" and "Ask a question" (OTR's
 * Socialist Millionaires' Protocol over the session). The real desktop UI in Debian's Chromium
 * against the browser mode as a real child process, over real TCP with a friend speaking
 * `--json`. Screenshots go to packages/desktop/screenshots/.
 */
import type { ChatEvent } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import { JsonPeer } from './support/processes.js';
import { canRun, isEvent, useUi } from './support/ui.js';

const ui = useUi();

describe.skipIf(!canRun)('desktop UI in Chromium: the Verify dialog', () => {
  it('answers a question (match: verified), then asks one that gets a wrong answer (warning)', async () => {
    const { page } = await ui.openAsNewUser('Vera');
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const invite = await page.getByRole('textbox', { name: 'Invite' }).inputValue();
    const walt = ui.keep(new JsonPeer('join', { name: 'Walt', target: invite }));
    await page
      .getByRole('article', { name: 'Request from Walt' })
      .getByRole('button', { name: 'Accept' })
      .click();
    const connected = await walt.waitFor<Extract<ChatEvent, { event: 'connected' }>>(
      isEvent('connected'),
      'connected',
    );
    await page.getByRole('heading', { name: 'Walt', level: 1 }).waitFor();

    // Walt asks; the UI says so, and the Verify dialog takes the answer.
    walt.send({ cmd: 'ask', peer: connected.peer, question: 'Our dog?', answer: 'Rex' });
    await page.getByText('Walt asks you a question: open Verify to answer it.').waitFor();
    await page.getByRole('button', { name: 'Verify' }).click();
    const dialog = page.getByRole('dialog', { name: 'Verify Walt' });
    await dialog.waitFor();
    await dialog.getByRole('heading', { name: 'Walt asks you' }).waitFor();
    expect(await dialog.locator('.question').textContent()).toBe('Our dog?');
    await dialog.getByRole('heading', { name: 'Compare a code' }).waitFor();
    await dialog.getByRole('heading', { name: 'Ask a question' }).waitFor();
    await ui.shot(page, '20-verify-question-asked');
    await dialog.getByRole('textbox', { name: /^Your answer \(never sent/ }).fill('  REX ');
    await dialog.getByRole('button', { name: 'Answer' }).click();
    await dialog.waitFor({ state: 'detached' });
    await walt.waitFor(
      isEvent('verification', (e) => e.result === 'match'),
      'verification match',
    );
    await page.getByText('Your answers match: Walt is verified.').waitFor();
    await page
      .locator('.chat-head .verification')
      .filter({ hasText: 'Verified by question' })
      .waitFor();

    // The UI asks; Walt answers wrong: a warning, and the badge stays.
    await page.getByRole('button', { name: 'Verify' }).click();
    await dialog.waitFor();
    expect(await dialog.getByRole('heading', { name: 'Walt asks you' }).count()).toBe(0);
    await dialog.getByRole('textbox', { name: 'Question', exact: true }).fill('My first car?');
    const own = dialog.getByRole('textbox', { name: 'Your answer', exact: true });
    await own.fill('Beetle');
    await ui.shot(page, '21-verify-ask');
    // Enter submits the form, as for a person typing (the notices may cover the button).
    expect(await dialog.getByRole('button', { name: 'Ask', exact: true }).isEnabled()).toBe(true);
    await own.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    const asked = await walt.waitFor<Extract<ChatEvent, { event: 'asked' }>>(
      isEvent('asked'),
      'asked',
    );
    expect(asked.question).toBe('My first car?');
    walt.send({ cmd: 'answer', peer: asked.peer, answer: 'Mini' });
    await walt.waitFor(
      isEvent('verification', (e) => e.result === 'mismatch'),
      'verification mismatch',
    );
    await page.getByText(/^Your answers did not match\./).waitFor();
    await ui.shot(page, '22-verify-mismatch');
  });
});
