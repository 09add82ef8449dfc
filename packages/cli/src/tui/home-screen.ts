/**
 * The first screen of `cryptully` typed alone in a terminal (or double-clicked): what do you
 * want to do, "Host a chat" or "Join a chat". Up/Down (or Tab) move, Enter chooses, `h` and
 * `j` choose directly, Esc, `q` or Ctrl-C leave.
 * @module
 */
import blessed from 'blessed';
import type { Theme } from './theme.js';

/** What the person chose on the home screen. */
export type HomeChoice = 'host' | 'join';

/** The choices, in the order shown, with their shortcut key and one line of explanation. */
export const HOME_CHOICES: ReadonlyArray<{
  readonly choice: HomeChoice;
  readonly label: string;
  readonly key: string;
  readonly hint: string;
}> = [
  {
    choice: 'host',
    label: 'Host a chat',
    key: 'h',
    hint: 'you get an invite to send to your friend',
  },
  {
    choice: 'join',
    label: 'Join a chat',
    key: 'j',
    hint: 'paste the invite your friend sent you',
  },
];

/** The rows of the home screen's box with `selected` highlighted (without colours: `>`). */
export function homeLines(theme: Theme, selected: number): string[] {
  const rows = HOME_CHOICES.flatMap((item, index) => {
    const mark = index === selected ? '>' : ' ';
    const label = `${mark} ${item.label}`;
    return [
      index === selected ? theme.bold(label) : theme.text(label),
      theme.paint('gray', `    ${item.hint}`),
      '',
    ];
  });
  return [
    theme.text('Encrypted chat with a friend, straight from your computer to theirs.'),
    '',
    ...rows,
    theme.paint('gray', 'Up/Down and Enter, or h / j.   Esc: quit'),
  ];
}

/** Shows the home screen on `screen`; resolves with the choice, or `null` to quit. */
export function askHomeChoice(
  screen: blessed.Widgets.Screen,
  theme: Theme,
): Promise<HomeChoice | null> {
  let selected = 0;
  const box = blessed.box({
    parent: screen,
    top: 'center',
    left: 'center',
    width: Math.min(60, (screen.width as number) - 2),
    height: 13,
    tags: true,
    border: { type: 'line' },
    style: theme.style('dialog'),
    label: ' Cryptully ',
    padding: { left: 1, right: 1 },
  });
  const draw = () => {
    box.setContent(homeLines(theme, selected).join('\n'));
    screen.render();
  };
  return new Promise((resolve) => {
    const onKey = (ch: string | undefined, key: { full?: string } = {}) => {
      const full = key.full ?? '';
      if (full === 'C-c' || full === 'escape' || ch === 'q') return done(null);
      if (full === 'up' || full === 'S-tab') selected = Math.max(0, selected - 1);
      else if (full === 'down' || full === 'tab')
        selected = Math.min(HOME_CHOICES.length - 1, selected + 1);
      else if (full === 'enter') return done(HOME_CHOICES[selected]!.choice);
      else {
        const direct = HOME_CHOICES.find((item) => item.key === ch);
        if (direct) return done(direct.choice);
      }
      draw();
    };
    const done = (choice: HomeChoice | null) => {
      screen.removeListener('keypress', onKey);
      screen.removeListener('resize', draw);
      box.destroy();
      screen.render();
      resolve(choice);
    };
    screen.on('keypress', onKey);
    screen.on('resize', draw);
    draw();
  });
}
