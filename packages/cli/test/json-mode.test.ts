import { PassThrough } from 'node:stream';
import type { ChatEvent } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import { ChatController } from '../src/controller.js';
import { runJson } from '../src/modes/json.js';
import { listening, ScriptedNode } from './helpers/scripted-node.js';

function startJson() {
  const node = new ScriptedNode();
  const controller = new ChatController(node, () => 0, { viewModel: false });
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const done = runJson(controller, { input, output });
  const events = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ChatEvent);
  return { node, controller, input, done, events, text: () => text };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('--json mode', () => {
  it('prints every event exactly as the node emitted it, one per line', async () => {
    const { node, input, done, events } = startJson();
    node.emit(listening, { event: 'message', peer: 'p', id: 'm', text: 'line\n"two"', at: 1 });
    input.end();
    await done;
    expect(events()).toEqual([
      listening,
      { event: 'message', peer: 'p', id: 'm', text: 'line\n"two"', at: 1 },
    ]);
  });

  it('never runs events through the view-model reducer (nothing draws it)', async () => {
    const { node, controller, input, done, events } = startJson();
    const before = controller.state;
    node.emit(listening, { event: 'message', peer: 'p', id: 'm', text: 'hi', at: 1 });
    input.write('{"cmd":"join","target":"127.0.0.1:7000"}\n');
    await tick();
    expect(controller.state).toBe(before);
    expect(events().map((e) => e.event)).toEqual(['listening', 'message']);
    expect(node.commands).toEqual([{ cmd: 'join', target: '127.0.0.1:7000' }]);
    input.end();
    await done;
  });

  it('passes valid commands to the node, dropping unknown fields', async () => {
    const { node, input, done } = startJson();
    node.emit(listening);
    input.write('{"cmd":"send","text":"hi","extra":1}\n{"cmd":"accept","peer":"abc"}\n');
    await tick();
    expect(node.commands).toEqual([
      { cmd: 'send', text: 'hi' },
      { cmd: 'accept', peer: 'abc' },
    ]);
    input.end();
    await done;
  });

  it('leaves the length of a text to the session (its ERR_TEXT_TOO_LONG), not the parser', async () => {
    const { node, input, done, events } = startJson();
    node.emit(listening);
    const text = 'x'.repeat(20_000);
    input.write(`${JSON.stringify({ cmd: 'send', text })}\n`);
    await tick();
    expect(node.commands).toEqual([{ cmd: 'send', text }]);
    expect(events().filter((e) => e.event === 'error')).toEqual([]);
    input.end();
    await done;
  });

  it.each([
    ['not json at all', /not valid JSON/],
    ['{"cmd":"fly"}', /unknown command "fly"/],
    ['{"cmd":"send"}', /send needs a "text" field/],
    ['[1,2,3]', /must be a JSON object/],
    ['{"cmd":"host","port":"80"}', /host.port must be a whole number/],
    ['\u0000\u0001\u00ff', /not valid JSON/],
  ])('answers the malformed line %# with an error event and keeps going', async (line, message) => {
    const { node, input, done, events } = startJson();
    node.emit(listening);
    input.write(`${line}\n{"cmd":"invite"}\n`);
    await tick();
    const error = events().find((event) => event.event === 'error');
    expect(error).toMatchObject({ event: 'error', code: 'ERR_BAD_COMMAND' });
    expect((error as { message: string }).message).toMatch(message);
    expect(node.commands).toEqual([{ cmd: 'invite' }]);
    input.end();
    expect(await done).toEqual({ exitCode: 0 });
  });

  it('quits cleanly on {"cmd":"quit"} and on the end of stdin, closing the node', async () => {
    for (const finish of [
      (i: PassThrough) => i.write('{"cmd":"quit"}\n'),
      (i: PassThrough) => i.end(),
    ]) {
      const { node, input, done, text } = startJson();
      node.emit(listening);
      finish(input);
      expect(await done).toEqual({ exitCode: 0 });
      expect(node.closed).toBe(true);
      for (const line of text().split('\n').filter(Boolean))
        expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it("fails with exit status 1 and the engine's sentence when hosting cannot start", async () => {
    const { node, done, events } = startJson();
    node.emit({
      event: 'error',
      code: 'ERR_ADDRESS_IN_USE',
      message: 'Port 4000 is already in use.',
    });
    expect(await done).toEqual({ exitCode: 1, message: 'Port 4000 is already in use.' });
    expect(events()).toHaveLength(1);
  });
});
