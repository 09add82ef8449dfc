/**
 * One interop scenario through the real desktop UI in Chromium: a person sets up the browser
 * mode, pastes an invite from a `cryptully --json` host, is let in, and chats both ways. Protects: that the desktop renderer, its
 * WebSocket bridge and the engine interoperate with another client end to end, as a user
 * sees it. Leaves a screenshot in reports/ui-interop.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CellContext, is } from '../src/cell-context.js';
import { DesktopWsDriver } from '../src/drivers/desktop-ws-driver.js';
import type { EventOf } from '../src/drivers/driver.js';
import { removeTempHomes, tempHome } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import { repoPath } from '../src/drivers/paths.js';
import { ensureHarnessBuilt } from './support/build.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hostKind = 'cli';
const problem = !existsSync(CHROMIUM_PATH)
  ? `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`
  : undefined;
if (problem) console.warn(`UI INTEROP: SKIPPED: ${problem}`);

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser: Browser | undefined;
let ctx: CellContext | undefined;
let desktop: DesktopWsDriver | undefined;

afterAll(async () => {
  await browser?.close();
  await desktop?.stop();
  await ctx?.cleanup();
  killAllChildren();
  removeTempHomes();
});

describe.skipIf(problem !== undefined)('interop through the real desktop UI', () => {
  it(`a person in the browser joins a ${hostKind} host by invite and chats both ways`, async () => {
    ensureHarnessBuilt();
    ctx = new CellContext(hostKind, 'desktop');
    const { host, listening } = await ctx.host('Hana');
    desktop = new DesktopWsDriver({ name: 'Uma', home: tempHome('desktop-ui') });
    await desktop.launch({ setupViaUi: true });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
    const page = await browser.newPage();
    await page.goto(desktop.url!);

    await page.getByLabel('Your name').fill('Uma');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Hello, Uma' }).waitFor();
    await page.getByRole('button', { name: 'Join a chat' }).click();
    await page.getByLabel('Invite or address').fill(listening.invite);
    await page.getByRole('button', { name: 'Join', exact: true }).click();

    const request = await host.waitFor<EventOf<'request'>>(is('request', { name: 'Uma' }), {
      timeoutMs: 15_000,
    });
    expect(request.invited).toBe(true);
    await host.send({ cmd: 'accept', peer: request.peer });
    await page.getByRole('heading', { name: 'Hana' }).waitFor();

    const composer = page.getByLabel('Message to Hana');
    await composer.fill('hello from the browser');
    await composer.press('Enter');
    const shown = await host.waitFor<EventOf<'message'>>(
      is('message', { text: 'hello from the browser' }),
    );
    expect(shown.peer).toBe(request.peer);

    await host.send({ cmd: 'send', peer: request.peer, text: 'hello back from the host' });
    await page.getByLabel('Messages with Hana').getByText('hello back from the host').waitFor();
    // The browser's back end confirmed the first message was delivered.
    await desktop.waitFor(is('delivered'), { what: 'receipt in the desktop back end' });

    mkdirSync(repoPath('reports'), { recursive: true });
    await page.screenshot({ path: repoPath('reports', 'ui-interop.png'), fullPage: true });

    // The driver's WebSocket used its own API token, so the printed address was this tab's
    // alone: a reload of the tab keeps working, a second use of the address is refused.
    await page.reload();
    await page.getByLabel('Messages with Hana').getByText('hello back from the host').waitFor();
    const second = await browser.newPage();
    await second.goto(desktop.url!);
    await second.getByRole('heading', { name: 'This address cannot open Cryptully' }).waitFor();
    await second.close();
  });
});
