/**
 * What every end-to-end file shares: Chromium, the desktop and friend processes it starts,
 * screenshots (which also check that every control has an accessible name), and first run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChatEvent } from '@cryptully/core/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { chromiumAvailable, launchChromium } from './browser.js';
import { cliJsonAvailable, type DesktopProcess, killAll, startDesktop } from './processes.js';

const SHOTS = fileURLToPath(new URL('../../../screenshots/', import.meta.url));
/** How long a UI step may take before the test fails. */
export const UI_TIMEOUT = 15_000;

/** The chat engine is built (core's `engine` entry); without it there is nobody to chat with. */
const engineBuilt = existsSync(
  fileURLToPath(new URL('../../../../core/dist/engine/index.js', import.meta.url)),
);
if (!chromiumAvailable) {
  console.warn(
    'skipped: Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)',
  );
}
if (!engineBuilt) console.warn('skipped: @cryptully/core/engine is not built yet');
/** False when these tests must be skipped (the reason was printed). */
export const canRun = chromiumAvailable && engineBuilt;

/** Matches an event of one kind, optionally with more conditions. */
export const isEvent =
  <K extends ChatEvent['event']>(
    kind: K,
    extra: (e: Extract<ChatEvent, { event: K }>) => boolean = () => true,
  ) =>
  (e: ChatEvent): boolean =>
    e.event === kind && extra(e as Extract<ChatEvent, { event: K }>);

/** The helpers of one test file; call once at the top level of the file. */
export function useUi() {
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

  /** Stops `thing` after the file's tests. */
  function keep<T extends { stop(): Promise<void> }>(thing: T): T {
    running.push(thing);
    return thing;
  }

  /** Errors each page logged (script errors, CSP violations, failed loads). */
  const pageErrors = new WeakMap<Page, string[]>();

  /** A fresh browser context (its own storage), desktop-sized; its pages' errors are kept. */
  async function newContext(): Promise<BrowserContext> {
    const context = await browser!.newContext({ viewport: { width: 1100, height: 720 } });
    context.on('page', (page) => {
      const errors: string[] = [];
      pageErrors.set(page, errors);
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
    });
    return context;
  }

  /** A new page in a fresh context. */
  async function newPage(): Promise<Page> {
    const page = await (await newContext()).newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    return page;
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
    expect(pageErrors.get(page) ?? [], `errors logged by the page before ${name}`).toEqual([]);
  }

  /** Opens the app for a fresh user and completes first run with `name`. */
  async function openAsNewUser(
    name: string,
    shotName?: string,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ page: Page; desktop: DesktopProcess }> {
    const desktop = keep(await startDesktop(undefined, env));
    const page = await newPage();
    await page.goto(desktop.url);
    await page.getByRole('heading', { name: 'Welcome to Cryptully' }).waitFor();
    if (shotName) await shot(page, shotName);
    await page.getByRole('textbox', { name: 'Your name' }).fill(name);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: `Hello, ${name}` }).waitFor();
    return { page, desktop };
  }

  return { keep, newContext, newPage, shot, openAsNewUser };
}
