/**
 * End to end, the reach settings (the CLI's --no-dht, --relay, --bootstrap): the real desktop
 * UI in Chromium against the browser mode started with the DHT off (CRYPTULLY_NO_DHT=1, as every
 * test). A malformed relay key is refused in the CLI's sentence and nothing is saved; turning the
 * DHT on with the test's own loopback bootstrap nodes is saved in desktop-settings.json and
 * reaches the engine: the next invite carries a DHT key. A reload shows the saved settings.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { decodeInvite } from '@cryptully/core/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun, useUi } from './support/ui.js';

// hyperdht is core's dependency: resolve its test network from there.
const fromCore = createRequire(
  createRequire(import.meta.url).resolve('@cryptully/core/package.json'),
);
const createTestnet = fromCore('hyperdht/testnet') as (
  size: number,
  options: { host: string },
) => Promise<{ bootstrap: Array<{ host: string; port: number }>; destroy(): Promise<void> }>;

const ui = useUi();

describe.skipIf(!canRun)('desktop UI in Chromium: network settings', () => {
  let testnet: Awaited<ReturnType<typeof createTestnet>> | undefined;
  beforeAll(async () => {
    testnet = await createTestnet(3, { host: '127.0.0.1' });
  }, 30_000);
  afterAll(async () => {
    await testnet?.destroy();
  });

  it('refuses a bad relay key, saves the DHT with its bootstrap nodes, and the next invite carries a DHT key', async () => {
    const { page, desktop } = await ui.openAsNewUser('Nell');
    await page.getByText('Network settings').click();
    const form = page.getByRole('form', { name: 'Network settings' });
    const dht = form.getByRole('checkbox', { name: /Reach friends on other networks/ });
    // Started with CRYPTULLY_NO_DHT=1: the settings show the DHT off.
    expect(await dht.isChecked()).toBe(false);
    // And with CRYPTULLY_NO_PORT_MAPPING=1: port mapping off (never turned on here: no test may
    // ask the machine's router).
    const mapping = form.getByRole('checkbox', { name: 'Ask the router to forward my port' });
    expect(await mapping.isChecked()).toBe(false);

    await form.getByRole('textbox', { name: /Relay key/ }).fill('not-a-key');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText('A relay key is the 64 hexadecimal digits').waitFor();
    expect(() => readFileSync(join(desktop.home, 'desktop-settings.json'))).toThrow();
    await page.getByRole('button', { name: 'Dismiss' }).click();

    const bootstrap = testnet!.bootstrap.map((b) => `${b.host}:${b.port}`).join(',');
    await form.getByRole('textbox', { name: /Relay key/ }).fill('');
    await dht.check();
    await form.getByRole('textbox', { name: /Bootstrap nodes/ }).fill(bootstrap);
    await form.getByRole('button', { name: 'Save' }).click();
    // Saved: the button goes back to disabled (nothing left to save).
    await expect.poll(() => form.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    expect(JSON.parse(readFileSync(join(desktop.home, 'desktop-settings.json'), 'utf8'))).toEqual({
      dht: true,
      relay: '',
      bootstrap,
      portMapping: false,
    });
    await ui.shot(page, '20-network-settings');

    // The engine hosts on the DHT now: the invite holds the host's DHT key.
    await page.getByRole('button', { name: 'Start a chat' }).click();
    const invite = await page.getByRole('textbox', { name: 'Invite' }).inputValue();
    expect(decodeInvite(invite).dhtKey).toHaveLength(32);

    // A reload (a new front end) is shown the saved settings.
    await page.reload();
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByText('Network settings').click();
    expect(
      await page
        .getByRole('form', { name: 'Network settings' })
        .getByRole('checkbox', { name: /Reach friends/ })
        .isChecked(),
    ).toBe(true);
  }, 90_000);
});
