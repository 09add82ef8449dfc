import { afterEach, describe, expect, it } from 'vitest';
import { formatTime } from '../src/format.js';
import { startTui } from './helpers/fake-terminal.js';
import {
  AT,
  BOB,
  bobConnected,
  CAROL,
  listening,
  requestFromBob,
} from './helpers/scripted-node.js';

let current: ReturnType<typeof startTui> | undefined;
const tui = (...args: Parameters<typeof startTui>) => {
  current = startTui(...args);
  return current;
};
afterEach(() => current?.app.destroy());

describe("the TUI, read from blessed's screen model", () => {
  it('shows the home log full width with the invite alone on its line, and a status bar', () => {
    const t = tui();
    const invite = `cryptully://join/${'A'.repeat(150)}`;
    t.node.emit(
      { event: 'ready', name: 'Alice', fingerprint: '12345 67890' },
      { ...listening, invite },
    );
    const lines = t.lines();
    expect(lines.join('\n')).toContain('Waiting for friends on 127.0.0.1:4000.');
    // Wrapped rows hold nothing but the invite, so selecting them copies exactly the invite.
    const first = lines.findIndex((line) => line.includes('cryptully://join/'));
    expect((lines[first]! + lines[first + 1]!).replace(/\s/g, '')).toBe(invite);
    expect(lines.join('\n')).not.toContain('Home');
    expect(lines.join('\n')).toMatch(/Alice │ hosting on port 4000 │ nobody connected yet/);
    expect(lines.at(-1)).toMatch(/^> type \/help for commands/);
  });

  it('draws emoji two columns wide, with a filler cell as for CJK characters', () => {
    const t = tui();
    t.node.emit(bobConnected, { event: 'message', peer: BOB, id: '1', text: 'ok 😀 日', at: AT });
    t.lines();
    const rows = (t.screen as unknown as { lines: Array<Array<[number, string]>> }).lines;
    const row = rows.find((cells) => cells.some((cell) => cell[1] === '😀'))!;
    const at = row.findIndex((cell) => cell[1] === '😀');
    expect(row[at + 1]![1]).toBe('\u0003');
    expect(row[at + 2]![1]).toBe(' ');
  });

  it('opens a dialog for a request and accepts with "a"', () => {
    const t = tui();
    t.node.emit(listening, requestFromBob);
    let text = t.text();
    expect(text).toContain('Bob wants to chat with you.');
    expect(text).toContain('Verification code: 482 913');
    expect(text).toContain('a: accept      r: reject      Esc: decide later');
    t.type('a');
    expect(t.node.commands).toEqual([{ cmd: 'accept', peer: BOB }]);
    t.node.emit(bobConnected);
    text = t.text();
    expect(text).not.toContain('a: accept');
    expect(text).toMatch(/Bob │ connected │ unverified — type \/verify/);
    expect(text).toContain('1 ● Bob');
    expect(text).toContain('0   Home');
  });

  it('ignores dialog keys typed in the instant the dialog appears (no accidental accept)', () => {
    const u = tui();
    (u.app as unknown as { dialog: { armingDelayMs: number } }).dialog.armingDelayMs = 700;
    u.node.emit(requestFromBob);
    u.lines();
    u.type('a');
    expect(u.node.commands).toEqual([]);
    u.advance(800);
    u.type('a');
    expect(u.node.commands).toEqual([{ cmd: 'accept', peer: BOB }]);
  });

  it('needs "yes" and Enter to accept a changed key, and shows a plain warning', () => {
    const t = tui();
    t.node.emit(
      { event: 'key-changed', peer: BOB, name: 'Bob', old: '111', new: '999' },
      { ...requestFromBob, keyChanged: true, known: true },
    );
    const text = t.text();
    expect(text).toContain('KEY CHANGED');
    expect(text).toContain("WARNING: Bob's key has changed.");
    expect(text).toContain('someone is pretending to be Bob');
    t.type('a');
    t.press('enter');
    expect(t.node.commands).toEqual([]);
    t.type('yes');
    t.press('enter');
    expect(t.node.commands).toEqual([{ cmd: 'accept', peer: BOB, confirmKeyChange: true }]);
  });

  it('shows messages with time, name and delivery marks; typing shows in the status bar', () => {
    const t = tui();
    t.node.emit(bobConnected, { event: 'typing', peer: BOB, state: 'typing' });
    expect(t.text()).toContain('Bob is typing…');
    t.node.emit({ event: 'message', peer: BOB, id: '1', text: 'hi Alice 😀', at: AT });
    t.type('hello 日本');
    t.press('enter');
    expect(t.node.commands).toEqual([
      { cmd: 'typing', peer: BOB, state: 'typing' },
      { cmd: 'send', peer: BOB, text: 'hello 日本' },
    ]);
    t.node.emit(
      { event: 'sent', peer: BOB, id: '2', text: 'hello 日本', at: AT, queued: false },
      { event: 'sent', peer: BOB, id: '3', text: 'lost', at: AT, queued: false },
      { event: 'delivered', peer: BOB, id: '2' },
      { event: 'undelivered', peer: BOB, ids: ['3'] },
    );
    const text = t.text();
    const time = formatTime(AT);
    expect(text).toContain(`${time} Bob: hi Alice 😀`);
    expect(text).toContain(`${time} You: hello 日本 ✓✓`);
    expect(text).toContain(`${time} You: lost ✗`);
    expect(text).not.toContain('Bob is typing');
  });

  it('keeps one input per conversation and switches with Ctrl-N / Alt-digits, counting unread', () => {
    const t = tui();
    t.node.emit(bobConnected, { ...bobConnected, peer: CAROL, name: 'Carol' });
    t.type('draft for Bob');
    t.node.emit({ event: 'message', peer: CAROL, id: 'c', text: 'psst', at: AT });
    expect(t.text()).toContain('2 ● Carol (1)');
    expect(t.text()).toContain('1 unread elsewhere (Ctrl-N)');
    t.press('C-n');
    expect(t.text()).toContain('Carol: psst');
    expect(t.text()).not.toContain('Carol (1)');
    expect(t.lines().at(-1)).toBe('> type a message and press Enter');
    t.press('M-1');
    expect(t.lines().at(-1)).toBe('> draft for Bob');
  });

  it('completes slash commands with Tab and walks history with the arrows', () => {
    const t = tui();
    t.node.emit(bobConnected);
    t.type('/he');
    t.press('tab');
    expect(t.lines().at(-1)).toBe('> /help');
    t.press('enter');
    expect(t.text()).toContain('say goodbye to everyone and leave');
    t.press('up');
    expect(t.lines().at(-1)).toBe('> /help');
  });

  it('/join typed in the TUI asks the node to join', () => {
    const t = tui();
    t.node.emit(bobConnected);
    t.type('/join cryptully://join/AQCn');
    t.press('enter');
    expect(t.node.commands).toContainEqual({ cmd: 'join', target: 'cryptully://join/AQCn' });
  });

  it('survives resizing, tiny terminals and a peer leaving while someone types', () => {
    const t = tui(100, 24);
    t.node.emit(bobConnected);
    t.type('half a sentence');
    t.output.resize(40, 10);
    t.node.emit({
      event: 'disconnected',
      peer: BOB,
      reason: 'goodbye',
      message: 'Bob left the chat.',
    });
    let lines = t.lines();
    expect(lines).toHaveLength(10);
    expect(lines.join('\n')).toContain('Bob left the chat.');
    expect(lines.at(-1)).toBe('> half a sentence');
    t.output.resize(120, 30);
    lines = t.lines();
    expect(lines).toHaveLength(30);
    expect(lines.join('\n')).toMatch(/Bob │ offline/);
  });

  it('indents wrapped lines under the message, and shows a new invite in Home', () => {
    const t = tui(60, 20);
    t.node.emit(bobConnected, {
      event: 'message',
      peer: BOB,
      id: '1',
      text: 'a message long enough to wrap onto a second row of the log',
      at: AT,
    });
    const lines = t.lines();
    const first = lines.findIndex((line) => line.includes('Bob: a message long'));
    expect(lines[first + 1]).toMatch(/│ {7}\S/);
    t.type('/invite');
    t.press('enter');
    expect(t.node.commands.at(-1)).toEqual({ cmd: 'invite' });
    t.node.emit({ event: 'invite', invite: 'cryptully://join/NEW', expiresAt: AT + 86_400_000 });
    expect(t.text()).toMatch(/A new invite for one friend \(it works once, for 24\s+hours\):/);
    expect(t.text()).toContain('cryptully://join/NEW');
  });

  it('keeps the place of someone reading back with PageUp while messages arrive', () => {
    const t = tui(80, 12);
    t.node.emit(bobConnected);
    for (let i = 0; i < 40; i++) {
      t.node.emit({ event: 'message', peer: BOB, id: `m${i}`, text: `line ${i}`, at: AT });
    }
    expect(t.lines()[9]).toMatch(/Bob: line 39$/);
    expect(t.text()).not.toContain('more below');
    t.press('pageup');
    const reading = t.lines()[0];
    expect(t.text()).toContain('more below: PageDown');
    t.node.emit({ event: 'message', peer: BOB, id: 'new', text: 'NEW', at: AT });
    expect(t.lines()[0]).toBe(reading);
    for (let i = 0; i < 3; i++) t.press('pagedown');
    expect(t.text()).not.toContain('more below');
    t.node.emit({ event: 'message', peer: BOB, id: 'new2', text: 'NEW2', at: AT });
    expect(t.lines()[9]).toMatch(/Bob: NEW2$/);
  });

  it('draws no colour with NO_COLOR but still marks a changed key', () => {
    // blessed packs a cell's attributes as flags << 18 | fg << 9 | bg; 0x1ff is "default".
    const colours = (t: ReturnType<typeof tui>) => {
      t.lines();
      const rows = (t.screen as unknown as { lines: Array<Array<[number, string]>> }).lines;
      const used = new Set<number>();
      for (const row of rows) {
        for (const [attr] of row) used.add(((attr >> 9) & 0x1ff) * 1000 + (attr & 0x1ff));
      }
      used.delete(0x1ff * 1000 + 0x1ff);
      return used.size;
    };
    const events = [
      { ...bobConnected, verification: 'key-changed' as const },
      { event: 'message' as const, peer: BOB, id: '1', text: 'hi', at: AT },
    ];
    const plain = tui(100, 24, false);
    plain.node.emit(...events);
    expect(plain.text()).toContain('KEY CHANGED');
    expect(colours(plain)).toBe(0);
    plain.app.destroy();
    const coloured = tui(100, 24, true);
    coloured.node.emit(...events);
    expect(colours(coloured)).toBeGreaterThan(0);
  });

  it('quits on Ctrl-C with a goodbye (the node is closed)', async () => {
    const t = tui();
    t.node.emit(bobConnected);
    t.press('C-c', '\u0003');
    expect(await t.controller.done).toEqual({ exitCode: 0 });
    expect(t.node.closed).toBe(true);
  });
});
