// A hostile file sender against a real CLI host (`cryptully --json`): a peer with a real Noise
// session (core's own handshake, so the host cannot tell it from a friend) that the host
// accepted, and that then lies in its file messages. Every lie must end that transfer cleanly
// (a file-failed event with the reason, a file-cancel to the sender), leave nothing on disk but
// what was legitimately received, and neither crash the host nor stop the chat.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellContext, count, is } from '../src/cell-context.js';
import type { ClientDriver, EventOf } from '../src/drivers/driver.js';
import { removeTempHomes } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import { type HostileSession, hello, hostileSession } from '../src/hostile-client.js';
import { ensureHarnessBuilt } from './support/build.js';

const downloads = mkdtempSync(join(tmpdir(), 'cryptully-hostile-files-'));
let ctx: CellContext;
let host: ClientDriver;
let port: number;
let eve: HostileSession;
let evePeer: string;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A chunk (docs/protocol-session.md §8): 0x00, id length, id, 8-byte offset, data. */
function chunk(id: string, offset: number, data: Buffer): Buffer {
  const head = Buffer.alloc(2 + id.length + 8);
  head[0] = 0;
  head[1] = id.length;
  head.write(id, 2, 'ascii');
  head.writeBigUInt64BE(BigInt(offset), 2 + id.length);
  return Buffer.concat([head, data]);
}

/** Offers `name` (size and hash as claimed), has the host's user accept it into `downloads`. */
async function offerAccepted(
  id: string,
  name: string,
  size: number,
  claimedSha: string,
): Promise<EventOf<'file-offer'>> {
  const mark = host.events.length;
  eve.sendInner({ t: 'file-offer', id, name, size, type: 'text/plain', sha256: claimedSha });
  const offer = await host.waitFor<EventOf<'file-offer'>>(is('file-offer', { id }), { from: mark });
  await host.send({ cmd: 'accept-file', peer: evePeer, id, dir: downloads });
  await eve.waitFor(
    (m) =>
      (m as { t?: string; id?: string }).t === 'file-accept' && (m as { id: string }).id === id,
  );
  return offer;
}

/** The names in the downloads folder (temporary `.part` files included). */
const onDisk = () => readdirSync(downloads).sort();

/** The chat still works both ways with the hostile peer (the session survived the lie). */
async function chatStillWorks(label: string): Promise<void> {
  const mark = host.events.length;
  eve.sendInner({ t: 'chat', id: `after-${label}`, at: Date.now(), text: `still here ${label}` });
  await host.waitFor(is('message', { text: `still here ${label}` }), { from: mark });
  expect(host.alive()).toBe(true);
}

describe('a hostile file sender against a CLI host', () => {
  beforeAll(async () => {
    ensureHarnessBuilt();
    ctx = new CellContext('cli', 'core');
    host = ctx.client('cli', 'Hana');
    port = (await host.startHost()).port;
    eve = await hostileSession({ host: '127.0.0.1', port });
    const mark = host.events.length;
    eve.sendInner({ ...hello('Eve'), caps: ['typing', 'receipts', 'file'] });
    const request = await host.waitFor<EventOf<'request'>>(is('request', { name: 'Eve' }), {
      from: mark,
    });
    evePeer = request.peer;
    await host.send({ cmd: 'accept', peer: evePeer });
    await host.waitFor(is('connected', { peer: evePeer }), { from: mark });
  }, 60_000);

  afterAll(async () => {
    eve?.connection.socket.destroy();
    await ctx?.cleanup();
    killAllChildren();
    removeTempHomes();
    rmSync(downloads, { recursive: true, force: true });
  });

  it('keeps a "../" name inside the downloads folder', async () => {
    const data = Buffer.from('a file that wants to escape');
    const offer = await offerAccepted('up1', '../../escape.txt', data.length, sha256(data));
    expect(offer.name).toBe('escape.txt');
    const mark = host.events.length;
    eve.sendInner(chunk('up1', 0, data));
    const done = await host.waitFor<EventOf<'file-done'>>(is('file-done', { id: 'up1' }), {
      from: mark,
    });
    expect(dirname(done.path)).toBe(downloads);
    expect(await readFile(done.path, 'utf8')).toBe(data.toString());
    expect(onDisk()).toEqual(['escape.txt']);
  });

  it('refuses more bytes than offered: size-mismatch, nothing written', async () => {
    const data = Buffer.from('twelve bytes');
    await offerAccepted('big1', 'small.txt', 5, sha256(data.subarray(0, 5)));
    const mark = host.events.length;
    eve.sendInner(chunk('big1', 0, data));
    const failed = await host.waitFor<EventOf<'file-failed'>>(is('file-failed', { id: 'big1' }), {
      from: mark,
    });
    expect(failed.reason).toBe('size-mismatch');
    await eve.waitFor(
      (m) =>
        (m as { t?: string; id?: string }).t === 'file-cancel' &&
        (m as { id: string }).id === 'big1',
    );
    expect(onDisk()).toEqual(['escape.txt']);
    await chatStillWorks('size');
  });

  it('refuses content whose hash is not the offered one: hash-mismatch, nothing written', async () => {
    const claimed = Buffer.from('the real content');
    await offerAccepted('hash1', 'swapped.txt', claimed.length, sha256(claimed));
    const mark = host.events.length;
    eve.sendInner(chunk('hash1', 0, Buffer.from('THE FAKE CONTENT')));
    const failed = await host.waitFor<EventOf<'file-failed'>>(is('file-failed', { id: 'hash1' }), {
      from: mark,
    });
    expect(failed.reason).toBe('hash-mismatch');
    expect(onDisk()).toEqual(['escape.txt']);
    await chatStillWorks('hash');
  });

  it('refuses a file split into 10,000 tiny chunks at the first one, and the host stays up', async () => {
    const size = 10_000 * 8;
    const data = Buffer.alloc(size, 7);
    await offerAccepted('tiny1', 'confetti.bin', size, sha256(data));
    const mark = host.events.length;
    for (let i = 0; i < 10_000; i++)
      eve.sendInner(chunk('tiny1', i * 8, data.subarray(i * 8, i * 8 + 8)));
    const failed = await host.waitFor<EventOf<'file-failed'>>(is('file-failed', { id: 'tiny1' }), {
      from: mark,
    });
    expect(failed.reason).toBe('protocol');
    expect(onDisk()).toEqual(['escape.txt']);
    await chatStillWorks('tiny');
    // One failure for the transfer, not one per chunk.
    expect(count(host, (e) => e.event === 'file-failed' && e.id === 'tiny1')).toBe(1);
  });

  it('shows at most 16 waiting offers of a flood and answers the rest busy', async () => {
    const mark = host.events.length;
    const data = Buffer.from('x');
    for (let i = 0; i < 60; i++) {
      eve.sendInner({
        t: 'file-offer',
        id: `flood${i}`,
        name: `flood-${i}.txt`,
        size: 1,
        type: 'text/plain',
        sha256: sha256(data),
      });
    }
    await eve.waitFor(
      (m) =>
        (m as { t?: string; id?: string }).t === 'file-cancel' &&
        (m as { id: string }).id === 'flood59',
    );
    await chatStillWorks('flood');
    const shown = host.events
      .slice(mark)
      .filter((e) => e.event === 'file-offer' && e.id.startsWith('flood')).length;
    const busy = eve.received.filter(
      (m) =>
        (m as { t?: string; reason?: string }).t === 'file-cancel' &&
        (m as { reason?: string }).reason === 'busy',
    ).length;
    console.log(`offer flood: 60 offers, ${shown} shown to the host's user, ${busy} answered busy`);
    expect(shown).toBeLessThanOrEqual(16);
    expect(shown + busy).toBe(60);
    expect(onDisk()).toEqual(['escape.txt']);
  });
});
