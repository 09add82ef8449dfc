/**
 * End to end, files from the desktop UI: a file DROPPED onto the conversation (a real drop
 * event with a DataTransfer built in the page) and one picked with the attach button's file
 * input, each uploaded by the browser to the browser mode's server and really transferred to
 * a friend speaking `--json`, whose saved copy is hashed here; and a friend's offer accepted
 * with the UI's Accept button, saved where the row says. Real Chromium, real processes, TCP.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatEvent } from '@cryptully/core/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { JsonPeer, tempHome } from './support/processes.js';
import { canRun, isEvent, UI_TIMEOUT, useUi } from './support/ui.js';

const ui = useUi();
/** Transfers may be slow on a loaded machine: a bounded but generous wait. */
const TRANSFER_TIMEOUT = 60_000;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Ada (the UI) joins Carol (`--json` host), who accepts; returns Carol and Ada's id at Carol. */
async function connected(page: Page): Promise<{ carol: JsonPeer; ada: string }> {
  const carol = ui.keep(new JsonPeer('host', { name: 'Carol' }));
  const listening = await carol.waitFor<Extract<ChatEvent, { event: 'listening' }>>(
    isEvent('listening'),
    'listening',
  );
  await page.getByRole('button', { name: 'Join a chat' }).click();
  await page.getByRole('textbox', { name: 'Invite or address' }).fill(listening.invite);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const request = await carol.waitFor<Extract<ChatEvent, { event: 'request' }>>(
    isEvent('request', (e) => e.name === 'Ada'),
    'request from Ada',
  );
  carol.send({ cmd: 'accept', peer: request.peer });
  await page.getByRole('heading', { name: 'Carol', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Attach a file' }).and(page.locator(':enabled')).waitFor();
  return { carol, ada: request.peer };
}

/** Records, in the page, every progress bar that ever shows (a fast transfer shows briefly). */
async function watchProgressBars(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    const record = () => {
      for (const bar of document.querySelectorAll('.transfers progress')) {
        const label = `${bar.getAttribute('aria-label')} ${bar.getAttribute('value')}/${bar.getAttribute('max')}`;
        if (!seen.includes(label)) seen.push(label);
      }
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
    });
  });
}

const progressSeen = (page: Page) =>
  page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);

/** Carol accepts the offer of `name` into `dir` and returns her checked `file-done`. */
async function carolReceives(
  carol: JsonPeer,
  name: string,
  dir: string,
): Promise<{ offer: Extract<ChatEvent, { event: 'file-offer' }>; path: string }> {
  const offer = await carol.waitFor<Extract<ChatEvent, { event: 'file-offer' }>>(
    isEvent('file-offer', (e) => e.name === name),
    `offer of ${name}`,
    TRANSFER_TIMEOUT,
  );
  carol.send({ cmd: 'accept-file', peer: offer.peer, id: offer.id, dir });
  const done = await carol.waitFor<Extract<ChatEvent, { event: 'file-done' }>>(
    isEvent('file-done', (e) => e.id === offer.id),
    `${name} done`,
    TRANSFER_TIMEOUT,
  );
  return { offer, path: done.path };
}

/** The browser mode's private upload folders under `tmp` hold no file (cleaned up). */
function uploadsLeft(tmp: string): string[] {
  return readdirSync(tmp)
    .filter((d) => d.startsWith('cryptully-uploads-'))
    .flatMap((d) => readdirSync(join(tmp, d)));
}

/** Waits until `check` holds (the back end cleans up right after the transfer's end). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!canRun)('desktop UI in Chromium: sending and receiving files', () => {
  it('sends a dropped file and a picked file to a --json friend, who gets them intact', async () => {
    const tmp = tempHome('tmp');
    const { page } = await ui.openAsNewUser('Ada', undefined, { TMPDIR: tmp });
    const { carol } = await connected(page);
    const inbox = tempHome('carol-inbox');
    await watchProgressBars(page);

    // 1. A drop: a real `drop` event whose DataTransfer holds a File built in the page.
    const dropped = randomBytes(3 * 1024 * 1024 + 123);
    await page.evaluate(
      ({ base64, name }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
        const target = document.querySelector('.chat .messages');
        if (!target) throw new Error('no conversation on screen');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          target.dispatchEvent(
            new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }),
          );
        }
      },
      { base64: dropped.toString('base64'), name: 'dropped photo.bin' },
    );
    const first = await carolReceives(carol, 'dropped photo.bin', inbox);
    expect(first.offer.size).toBe(dropped.length);
    expect(first.offer.sha256).toBe(sha256(dropped));
    expect(sha256(readFileSync(first.path))).toBe(sha256(dropped));
    const files = page.getByRole('list', { name: 'Files with Carol' });
    const row = files.getByRole('listitem', { name: 'dropped photo.bin' });
    await row.getByText(/^Sent \(3\.0 MiB\); Carol has it\.$/).waitFor();
    await ui.shot(page, '30-file-sent');
    expect(await progressSeen(page)).toContainEqual(
      expect.stringMatching(/^Sending dropped photo\.bin \d+\/3145851$/),
    );
    // The browser's upload went to a private temporary file, removed after the transfer.
    await eventually(() => uploadsLeft(tmp).length === 0, 'the upload was removed');
    await row.getByRole('button', { name: 'Dismiss dropped photo.bin' }).click();
    await row.waitFor({ state: 'detached' });

    // 2. The attach button's file input.
    const picked = randomBytes(200_000);
    await page
      .getByLabel('File to send to Carol')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: picked });
    const second = await carolReceives(carol, 'notes.txt', inbox);
    expect(sha256(readFileSync(second.path))).toBe(sha256(picked));
    await files
      .getByRole('listitem', { name: 'notes.txt' })
      .getByText(/^Sent \(195 KiB\); Carol has it\.$/)
      .waitFor();
    await eventually(() => uploadsLeft(tmp).length === 0, 'the second upload was removed');
  }, 180_000);

  it('shows a friend’s offer with Accept and saves the file where it says; Decline refuses one', async () => {
    const downloads = tempHome('ada-downloads');
    const { page } = await ui.openAsNewUser('Ada', undefined, { CRYPTULLY_DOWNLOADS: downloads });
    const { carol, ada } = await connected(page);
    const source = join(tempHome('carol-files'), 'report.pdf');
    const content = randomBytes(1024 * 1024 + 7);
    writeFileSync(source, content);

    carol.send({ cmd: 'send-file', peer: ada, path: source });
    const row = page
      .getByRole('list', { name: 'Files with Carol' })
      .getByRole('listitem', { name: 'report.pdf' });
    await row.getByText('Carol offers this file (1.0 MiB).').waitFor();
    await ui.shot(page, '31-file-offer');
    await row.getByRole('button', { name: 'Accept report.pdf' }).click();

    const sent = await carol.waitFor<Extract<ChatEvent, { event: 'file-done' }>>(
      isEvent('file-done'),
      'report.pdf done',
      TRANSFER_TIMEOUT,
    );
    const status = row.getByText(/^Received \(1\.0 MiB\), saved to /);
    await status.waitFor({ timeout: TRANSFER_TIMEOUT });
    const saved = (await status.textContent())?.replace(/^Received \(1\.0 MiB\), saved to /, '');
    expect(saved).toBe(join(downloads, 'report.pdf'));
    expect(sha256(readFileSync(saved ?? ''))).toBe(sent.sha256);
    expect(sent.sha256).toBe(sha256(content));
    // The browser mode has no Open / Show in folder (it cannot reach the system shell).
    expect(await row.getByRole('button', { name: 'Open report.pdf' }).count()).toBe(0);
    await ui.shot(page, '32-file-received');

    // Decline: the friend hears "declined" and the row says so in one sentence.
    const other = join(tempHome('carol-files'), 'unwanted.zip');
    writeFileSync(other, randomBytes(5000));
    carol.send({ cmd: 'send-file', peer: ada, path: other });
    const unwanted = page
      .getByRole('list', { name: 'Files with Carol' })
      .getByRole('listitem', { name: 'unwanted.zip' });
    await unwanted.getByRole('button', { name: 'Decline unwanted.zip' }).click();
    await carol.waitFor(
      isEvent('file-failed', (e) => e.reason === 'declined'),
      'declined',
      TRANSFER_TIMEOUT,
    );
    await unwanted.getByText(/^"unwanted\.zip" was not transferred: .+\.$/).waitFor();
    expect(readdirSync(downloads)).toEqual(['report.pdf']);
  }, 180_000);
});
