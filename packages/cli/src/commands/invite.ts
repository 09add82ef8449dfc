import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/** `cryptully invite`: invites come from a running host, so this explains how to get one. */
export async function inviteCommand(io: CliIo): Promise<ExitCode> {
  io.stdout.write(
    [
      'Invites are made by a running host, one per friend:',
      '  - in the window where "cryptully host" runs, type /invite and press Enter;',
      '  - with "cryptully host --json", send {"cmd":"invite"} on its standard input.',
      'Not hosting yet? Run "cryptully host": it shows a first invite right away.',
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}
