import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanup, type JsonProcess, startJson, tempHome } from './helpers/json-process.js';
import { pressUntil, Tmux, tmuxAvailable } from './helpers/tmux.js';

if (!tmuxAvailable) console.warn('tmux is not installed: the end-to-end TUI test is skipped');

const tmux = new Tmux();
const folders: string[] = [];
const processes: JsonProcess[] = [];
afterAll(async () => {
  tmux.killServer();
  for (const p of processes) p.child.kill();
  await cleanup(folders);
});

function command(home: string, args: string, env = ''): string {
  // The pane stays open after exit so the test can read the exit status.
  return `env CRYPTULLY_HOME=${home} NCURSES_NO_UTF8_ACS=1 ${env} ${process.execPath} ${BIN} ${args}; echo EXIT=$?; sleep 30`;
}

describe('two cryptully TUIs in tmux, as two people would use them', () => {
  it.skipIf(!tmuxAvailable)(
    'first run, host and join, accept, same code on both screens, chat both ways, quit',
    async () => {
      const [aliceHome, bobHome] = [await tempHome(), await tempHome()];
      folders.push(aliceHome, bobHome);

      // Alice's first run: the TUI asks her name and offers a passphrase.
      tmux.start('alice', command(aliceHome, 'host --port 0 --bind 127.0.0.1'));
      await tmux.waitFor('alice', /What name should your friends see\?/);
      tmux.line('alice', 'Alice');
      await tmux.waitFor('alice', /Passphrase \(press Enter for none\)/);
      tmux.keys('alice', ['Enter']);
      const [, port] = await tmux.waitFor('alice', /hosting on port (\d+)/);
      await tmux.waitFor('alice', /cryptully:\/\/join\//);

      // Bob joins by address, with a passphrase from the environment.
      tmux.start(
        'bob',
        command(bobHome, `join 127.0.0.1:${port} --name Bob`, 'CRYPTULLY_PASSPHRASE=correct-horse'),
      );
      const [, bobCode] = await tmux.waitFor(
        'bob',
        /Waiting for Alice to accept… Code: (\d{3} \d{3})/,
      );
      await tmux.waitFor('alice', /Bob wants to chat with you\./);
      const [, aliceCode] = await tmux.waitFor('alice', /Verification code: (\d{3} \d{3})/);
      expect(aliceCode).toBe(bobCode);

      await pressUntil(tmux, 'alice', 'a', /Bob │ connected/);
      tmux.keys('alice', ['C-u']);
      await tmux.waitFor('bob', /Alice │ connected on your network │ unverified — type \/verify/);
      const bobScreen = tmux.capture('bob');
      expect(bobScreen).toContain(`if it is ${aliceCode}`);

      tmux.line('alice', 'hello Bob');
      await tmux.waitFor('bob', /\d\d:\d\d Alice: hello Bob/);
      await tmux.waitFor('alice', /You: hello Bob ✓✓/);

      tmux.keys('bob', ['hi Alice 日本 😀 ok'], true);
      await tmux.waitFor('alice', /Bob (is typing…|stopped typing)/);
      tmux.keys('bob', ['Enter']);
      await tmux.waitFor('alice', /\d\d:\d\d Bob: hi Alice 日本 😀 ok/);
      await tmux.waitFor('bob', /You: hi Alice 日本 😀 ok ✓✓/);

      // A smaller window: everything is redrawn to fit, nothing garbled.
      tmux.resize('alice', 64, 16);
      await tmux.waitFor('alice', /\n Bob │ connected[^\n]*\n> type a message and press Enter\s*$/);
      expect(tmux.capture('alice').split('\n').length).toBeLessThanOrEqual(17);

      // Bob leaves with Ctrl-C: his terminal is restored, Alice is told.
      tmux.keys('bob', ['C-c']);
      await tmux.waitFor('bob', /^EXIT=0$/m);
      expect(tmux.capture('bob').trim()).toBe('EXIT=0');
      await tmux.waitFor('alice', /Bob left the chat\./);
      await tmux.waitFor('alice', /Bob │ offline/);
      tmux.line('alice', '/quit');
      await tmux.waitFor('alice', /^EXIT=0$/m);
    },
    60_000,
  );

  it.skipIf(!tmuxAvailable)(
    'a known friend back with another key is a red warning that only "yes" gets past',
    async () => {
      const [aliceHome, bobHome, mallory] = [await tempHome(), await tempHome(), await tempHome()];
      folders.push(aliceHome, bobHome, mallory);
      tmux.start(
        'host',
        command(aliceHome, 'host --port 0 --bind 127.0.0.1 --name Alice', 'CRYPTULLY_PASSPHRASE='),
      );
      const [, port] = await tmux.waitFor('host', /hosting on port (\d+)/);
      const accept = async (keys: string[], done: RegExp) => {
        for (let attempt = 0; attempt < 20; attempt++) {
          tmux.keys('host', keys);
          try {
            return await tmux.waitFor('host', done, 300);
          } catch {
            // the dialog ignores keys for a moment after it opens
          }
        }
        throw new Error(`never got ${done}`);
      };

      const bob = startJson(['join', `127.0.0.1:${port}`, '--json', '--name', 'Bob'], bobHome);
      processes.push(bob);
      await tmux.waitFor('host', /Bob wants to chat with you\./);
      await accept(['a'], /Bob │ connected/);
      await bob.next('connected');
      bob.send({ cmd: 'quit' });
      await tmux.waitFor('host', /Bob left the chat\./);

      // Someone else, calling themselves Bob, with another key.
      const impostor = startJson(['join', `127.0.0.1:${port}`, '--json', '--name', 'Bob'], mallory);
      processes.push(impostor);
      await tmux.waitFor('host', /KEY CHANGED/);
      const screen = tmux.capture('host');
      expect(screen).toContain("WARNING: Bob's key has changed.");
      expect(screen).toMatch(/someone is\s+pretending to be Bob/);
      // The habit of pressing "a" does not accept: it is just a wrong answer.
      await accept(['a'], /press Enter: a_/);
      tmux.keys('host', ['Enter']);
      await tmux.waitFor('host', /press Enter: _/);
      expect(impostor.events.some((e) => e.event === 'connected')).toBe(false);
      await accept(['BSpace', 'BSpace', 'BSpace', 'y', 'e', 's', 'Enter'], /Bob │ connected/);
      expect((await impostor.next('connected')).name).toBe('Alice');
      impostor.send({ cmd: 'quit' });
      tmux.keys('host', ['C-c']);
      await tmux.waitFor('host', /^EXIT=0$/m);
    },
    60_000,
  );
  it.skipIf(!tmuxAvailable)(
    'the question: answered in the TUI (match, verified), then /ask with a wrong answer (warning)',
    async () => {
      const [aliceHome, bobHome] = [await tempHome(), await tempHome()];
      folders.push(aliceHome, bobHome);
      tmux.start(
        'asker',
        command(aliceHome, 'host --port 0 --bind 127.0.0.1 --name Alice', 'CRYPTULLY_PASSPHRASE='),
      );
      const [, port] = await tmux.waitFor('asker', /hosting on port (\d+)/);
      const bob = startJson(['join', `127.0.0.1:${port}`, '--json', '--name', 'Bob'], bobHome);
      processes.push(bob);
      await tmux.waitFor('asker', /Bob wants to chat with you\./);
      await pressUntil(tmux, 'asker', 'a', /Bob │ connected/);
      tmux.keys('asker', ['C-u']);
      const alice = (await bob.next('connected')).peer;

      // Bob asks; Alice's TUI shows the question and takes her next line as the answer.
      bob.send({
        cmd: 'ask',
        peer: alice,
        question: 'Where did we meet?',
        answer: 'Café de Flore',
      });
      await tmux.waitFor('asker', /Bob asks you: "Where did we meet\?"/);
      await tmux.waitFor('asker', /your answer to "Where did we meet\?" \(never sent\)/);
      tmux.line('asker', '  café de FLORE');
      await tmux.waitFor('asker', /Your answers match: Bob is verified\./);
      await tmux.waitFor('asker', /Bob │ connected on your network │ verified by question/);
      expect((await bob.next('verification')).result).toBe('match');
      expect(tmux.capture('asker')).not.toContain('You: ');

      // Alice asks with /ask; Bob answers wrong: both are warned, nothing is marked.
      tmux.line('asker', '/ask What is my cat called?');
      await tmux.waitFor('asker', /Now type your own answer/);
      tmux.line('asker', 'Felix');
      const asked = await bob.next('asked', (e) => e.question === 'What is my cat called?');
      bob.send({ cmd: 'answer', peer: asked.peer, answer: 'Tom' });
      await tmux.waitFor('asker', /Your answers did not match\./);
      await bob.next('verification', (e) => e.result === 'mismatch');
      bob.send({ cmd: 'quit' });
      tmux.keys('asker', ['C-c']);
      await tmux.waitFor('asker', /^EXIT=0$/m);
    },
    60_000,
  );
});
