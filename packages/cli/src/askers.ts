/**
 * The {@link Asker}s of onboarding: one for a line-based terminal and one for the TUI.
 * @module
 */
import type blessed from 'blessed';
import { CliError } from './errors.js';
import type { Asker } from './onboarding.js';
import { PASSPHRASE_EXPLANATION } from './onboarding.js';
import { ask, type PromptIo } from './prompt.js';
import { askInScreen, showNotice } from './tui/prompt-form.js';
import type { Theme } from './tui/theme.js';

const cancelled = () => new CliError('ERR_CANCELLED', 'cancelled; nothing was saved');

/** Asks on a line-based terminal (stderr for questions, stdin for answers). */
export function lineAsker(io: PromptIo): Asker {
  return {
    interactive: true,
    working: (what) => io.stderr.write(`${what}\n`),
    async askName(check) {
      io.stderr.write('Welcome to cryptully! First, the name your friends will see.\n');
      for (;;) {
        const name = (await ask(io, 'Your name: ')).trim();
        const problem = check(name);
        if (!problem) return name;
        io.stderr.write(`${problem}\n`);
      }
    },
    async askNewPassphrase() {
      io.stderr.write(`${PASSPHRASE_EXPLANATION}\n`);
      for (;;) {
        const first = await ask(io, 'Passphrase (Enter for none): ', { hidden: true });
        if (first === '') return '';
        const second = await ask(io, 'The same passphrase again: ', { hidden: true });
        if (first === second) return first;
        io.stderr.write('The two passphrases differ; try again.\n');
      }
    },
    askPassphrase(wrong) {
      if (wrong) io.stderr.write('Wrong passphrase; try again.\n');
      return ask(io, 'Passphrase of your identity: ', { hidden: true });
    },
  };
}

/** Asks in the middle of the TUI's screen. */
export function screenAsker(screen: blessed.Widgets.Screen, theme: Theme): Asker {
  let hideNotice: (() => void) | undefined;
  const question = async (q: Parameters<typeof askInScreen>[2]) => {
    hideNotice?.();
    hideNotice = undefined;
    const answer = await askInScreen(screen, theme, q);
    if (answer === null) throw cancelled();
    return answer;
  };
  return {
    interactive: true,
    working(what) {
      hideNotice?.();
      hideNotice = showNotice(screen, theme, what);
    },
    askName: (check) =>
      question({
        title: 'Welcome to cryptully',
        lines: [
          'Chat with friends over an encrypted connection, straight from your computer to theirs.',
          '',
          'What name should your friends see?',
        ],
        check,
      }),
    async askNewPassphrase() {
      let mismatch = false;
      for (;;) {
        const first = await question({
          title: 'Protect your key (optional)',
          lines: [
            PASSPHRASE_EXPLANATION,
            '',
            mismatch
              ? 'The two passphrases differed; try again.'
              : 'Passphrase (press Enter for none):',
          ],
          hidden: true,
        });
        if (first === '') return '';
        const second = await question({
          title: 'Protect your key (optional)',
          lines: ['Type the same passphrase again:'],
          hidden: true,
        });
        if (first === second) return first;
        mismatch = true;
      }
    },
    askPassphrase: (wrong) =>
      question({
        title: 'Unlock your identity',
        lines: [
          wrong
            ? 'Wrong passphrase; try again.'
            : 'Your key is protected by a passphrase. Type it to start:',
        ],
        hidden: true,
      }),
  };
}
