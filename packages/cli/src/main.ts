import { VERSION } from './version.js';

const HELP = `cryptully ${VERSION}: encrypted chat with a friend, no server in the middle.

Usage:
  cryptully host             start a chat and get an invite to send to a friend
  cryptully join <invite>    join a friend's chat with the invite they sent you

Options:
  -h, --help       show this help
  -v, --version    show the version
`;

/**
 * Runs the CLI with the given arguments and returns the process exit code.
 * @param argv arguments after the program name
 */
export async function main(
  argv: string[],
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    out.write(HELP);
    return 0;
  }
  if (first === '-v' || first === '--version') {
    out.write(`${VERSION}\n`);
    return 0;
  }
  err.write(
    `cryptully: unknown command "${first}". Run "cryptully --help" to see what it can do.\n`,
  );
  return 2;
}
