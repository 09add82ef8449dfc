import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChatController } from '../src/controller.js';
import { formatTime } from '../src/format.js';
import { runPlain } from '../src/modes/plain.js';
import { createPalette } from '../src/palette.js';
import {
  AT,
  BOB,
  bobConnected,
  listening,
  requestFromBob,
  ScriptedNode,
} from './helpers/scripted-node.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function startPlain() {
  const node = new ScriptedNode();
  const controller = new ChatController(node, () => AT);
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const done = runPlain(controller, { input, output, palette: createPalette(false) });
  return { node, input, done, text: () => text };
}

describe('--plain mode', () => {
  it('prints a host session as readable lines and sends typed lines', async () => {
    const { node, input, done, text } = startPlain();
    const t = `[${formatTime(AT)}]`;
    node.emit(listening, requestFromBob);
    input.write('/accept\n');
    await tick();
    node.emit(bobConnected, { event: 'message', peer: BOB, id: '1', text: 'hi\nthere', at: AT });
    input.write('hello Bob\n');
    await tick();
    node.emit({ event: 'sent', peer: BOB, id: '2', text: 'hello Bob', at: AT, queued: false });
    input.end();
    await done;
    expect(node.commands).toEqual([
      { cmd: 'accept', peer: BOB },
      { cmd: 'send', peer: BOB, text: 'hello Bob' },
    ]);
    expect(text()).toContain('\ncryptully://join/AAAA\n');
    expect(text()).toContain(`${t} Bob wants to chat. Code: 482 913. Type /accept or /reject.\n`);
    expect(text()).toContain(`${t} Bob: hi\n${' '.repeat(t.length + 6)}there\n`);
    expect(text()).toContain(`${t} You: hello Bob\n`);
    expect(text()).not.toMatch(/\u001b/);
    expect(node.closed).toBe(true);
  });

  it('prints notes for slash commands, such as /help, without sending anything', async () => {
    const { node, input, done, text } = startPlain();
    input.write('/help\n/nope\n');
    input.end();
    await done;
    expect(text()).toMatch(/\/accept \[name\] +accept a friend/);
    expect(text()).toMatch(/Unknown command \/nope/);
    expect(node.commands).toEqual([]);
  });

  it('/join starts another chat after the last one ended', async () => {
    const { node, input, done, text } = startPlain();
    node.emit({ event: 'connecting', target: '127.0.0.1:4000' });
    node.emit(bobConnected);
    node.emit({ event: 'disconnected', peer: BOB, reason: 'goodbye', message: 'Bye.' });
    await tick();
    input.write('/join 127.0.0.1:4001\n');
    await tick();
    expect(node.commands).toContainEqual({ cmd: 'join', target: '127.0.0.1:4001' });
    node.emit({ event: 'connecting', target: '127.0.0.1:4001' });
    input.end();
    await done;
    expect(text()).toMatch(/Type \/join with an invite or address to chat again/);
    expect(text()).toMatch(/Connecting to 127\.0\.0\.1:4001…/);
  });
});
