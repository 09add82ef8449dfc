// /send in the TUI, as a person would use it: Alice's TUI in tmux sends a file to Bob (a
// --json process that accepts it); her status bar shows the progress bar with bytes, rate and
// time left; both sides end with the file checked, Bob's copy identical. And a file too big to
// wait for: its "Getting ready" bar shows, /cancel stops it, and Bob never hears of it.
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanup, type JsonProcess, startJson, tempHome } from './helpers/json-process.js';
import { pressUntil, Tmux, tmuxAvailable } from './helpers/tmux.js';

if (!tmuxAvailable) console.warn('tmux is not installed: the /send TUI test is skipped');

const tmux = new Tmux();
const folders: string[] = [];
const processes: JsonProcess[] = [];
afterAll(async () => {
  tmux.killServer();
  for (const p of processes) p.child.kill();
  await cleanup(folders);
});

/**
 * Alice's TUI hosting in tmux session `session`, Bob (`--json`, saving into
 * `files/bob-downloads`) joined and accepted. Returns Bob and his downloads folder.
 */
async function aliceWithBob(
  session: string,
  files: string,
): Promise<{ bob: JsonProcess; downloads: string }> {
  const [aliceHome, bobHome] = [await tempHome(), await tempHome()];
  folders.push(aliceHome, bobHome);
  tmux.start(
    session,
    `env CRYPTULLY_HOME=${aliceHome} CRYPTULLY_PASSPHRASE= NCURSES_NO_UTF8_ACS=1 ${process.execPath} ${BIN} host --port 0 --bind 127.0.0.1 --name Alice; echo EXIT=$?; sleep 30`,
  );
  const [, port] = await tmux.waitFor(session, /hosting on port (\d+)/);
  const downloads = join(files, 'bob-downloads');
  const bob = startJson(['join', `127.0.0.1:${port}`, '--json', '--name', 'Bob'], bobHome, {
    CRYPTULLY_DOWNLOADS: downloads,
  });
  processes.push(bob);
  await tmux.waitFor(session, /Bob wants to chat with you\./);
  await pressUntil(tmux, session, 'a', /Bob │ connected/);
  tmux.keys(session, ['C-u']);
  await bob.next('connected');
  return { bob, downloads };
}

describe('sending a file from the TUI', () => {
  it.skipIf(!tmuxAvailable)(
    '/send PATH shows a progress bar, the friend accepts, the copy is identical',
    async () => {
      const files = await tempHome();
      folders.push(files);
      // Big enough that the bar is on screen for a while, even on a fast machine.
      const source = join(files, 'big file.bin');
      const handle = await open(source, 'w');
      const block = randomBytes(1024 * 1024);
      const hash = createHash('sha256');
      for (let i = 0; i < 192; i += 1) {
        await handle.write(block);
        hash.update(block);
      }
      await handle.close();
      const sha256 = hash.digest('hex');

      const { bob, downloads } = await aliceWithBob('alice', files);

      tmux.line('alice', `/send ${source}`);
      await tmux.waitFor('alice', /Getting ready to send /);
      const offer = await bob.next('file-offer');
      expect(offer.name).toBe('big file.bin');
      await tmux.waitFor('alice', /Offering "big file\.bin" \(192 MiB\) to Bob/);
      bob.send({ cmd: 'accept-file', peer: offer.peer, id: offer.id });
      // The bar: direction, name, bar, percent, bytes, rate, time left.
      await tmux.waitFor(
        'alice',
        /↑ big file\.bin \[[#-]{10}\] \d+% [\d.]+ [KMG]iB\/192 MiB [\d.]+ [KMG]?i?B\/s \d+:\d\d left/,
        30_000,
      );
      const done = await bob.next('file-done', undefined, 120_000);
      expect(done.sha256).toBe(sha256);
      expect(done.path).toBe(join(downloads, 'big file.bin'));
      await tmux.waitFor('alice', /Bob received "big file\.bin" \(SHA-256 checked\)\./, 30_000);
      const copy = await readFile(done.path);
      expect(createHash('sha256').update(copy).digest('hex')).toBe(sha256);
      tmux.line('alice', '/quit');
      await tmux.waitFor('alice', /^EXIT=0$/m);
    },
    180_000,
  );

  it.skipIf(!tmuxAvailable)(
    '/send of a huge file shows it being got ready; /cancel stops it before any offer',
    async () => {
      const files = await tempHome();
      folders.push(files);
      // 64 GiB, sparse: no disk space, but reading it whole would take about a minute here.
      const source = join(files, 'huge.iso');
      await writeFile(source, '');
      await truncate(source, 64 * 1024 ** 3);

      const { bob } = await aliceWithBob('alice2', files);

      tmux.line('alice2', `/send ${source}`);
      await tmux.waitFor(
        'alice2',
        /Getting huge\.iso ready \[[#-]{10}\] \d+% [\d.]+ [KMG]?i?B\/64 GiB/,
      );
      tmux.line('alice2', '/cancel');
      await tmux.waitFor(
        'alice2',
        /"huge\.iso" was not transferred: You cancelled the transfer\./,
        30_000,
      );
      // The chat goes on, and Bob was never offered the file.
      tmux.line('alice2', 'still there?');
      await bob.next('message', (m) => m.text === 'still there?');
      expect(bob.events.filter((e) => e.event === 'file-offer')).toEqual([]);
      tmux.line('alice2', '/quit');
      await tmux.waitFor('alice2', /^EXIT=0$/m);
    },
    120_000,
  );
});
